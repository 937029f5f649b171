import Foundation
import Glibc
import PostgreSQL
import Synchronization
import TestSupport

/// The server the tests use: `AITBC_TEST_POSTGRES_URL`, or one started here with
/// scripts/postgres-test-server.sh, shared by every test of the process and stopped at exit.
/// Never skipped: without PostgreSQL the tests fail saying what to install.
enum TestPostgres {
    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// The data directory of the server this process started, for the exit handler.
    static let startedDirectory = Mutex<String?>(nil)

    static let server = Task<String, any Error> {
        if let url = ProcessInfo.processInfo.environment["AITBC_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        return try await onOwnThread { try start() }
    }

    /// The server's URL.
    static func url() async throws -> String { try await server.value }

    /// Its configuration.
    static func configuration() async throws -> PostgresConfiguration { try PostgresConfiguration(url: try await url()) }

    /// A fresh connection.
    static func connect() async throws -> PostgresConnection { try await PostgresConnection.connect(try await configuration()) }

    /// A table name no other test uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
    }

    private static func start() throws -> String {
        let script = TestPaths.root.appendingPathComponent("scripts/postgres-test-server.sh").path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aitbc-postgres-\(UUID().uuidString)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "start", directory]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        startedDirectory.withLock { $0 = directory }
        atexit { TestPostgres.stop() }
        guard process.terminationStatus == 0,
            let line = out.split(separator: "\n").first(where: { $0.hasPrefix("POSTGRES_URL=") })
        else {
            throw StartFailure(
                description: """
                    PostgreSQL tests need a server: set AITBC_TEST_POSTGRES_URL, or install the server so the tests can \
                    start one (apt-get install -y postgresql libpq-dev). scripts/postgres-test-server.sh said: \(err)
                    """)
        }
        return String(line.dropFirst("POSTGRES_URL=".count))
    }

    /// Stops the server by the pid the script started, then removes its directory.
    static func stop() {
        guard let directory = startedDirectory.withLock({ $0 }) else { return }
        let script = TestPaths.root.appendingPathComponent("scripts/postgres-test-server.sh").path
        var pid: pid_t = 0
        let arguments = ["/bin/bash", script, "stop", directory]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        if posix_spawn(&pid, "/bin/bash", nil, nil, &argv, environ) == 0 {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
