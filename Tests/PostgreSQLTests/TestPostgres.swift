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
        // Output goes to a file and the child is reaped with waitpid: the server the script leaves
        // running would hold a pipe open, and Foundation's Process did not reap the script here.
        let log = directory + ".start.log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = run(["/bin/bash", "-c", "exec /bin/bash \"$0\" start \"$1\" >\"$2\" 2>&1", script, directory, log])
        let out = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        startedDirectory.withLock { $0 = directory }
        atexit { TestPostgres.stop() }
        guard status == 0,
            let line = out.split(separator: "\n").first(where: { $0.hasPrefix("POSTGRES_URL=") })
        else {
            throw StartFailure(
                description: """
                    PostgreSQL tests need a server: set AITBC_TEST_POSTGRES_URL, or install the server so the tests can \
                    start one (apt-get install -y postgresql libpq-dev). scripts/postgres-test-server.sh said: \(out)
                    """)
        }
        return String(line.dropFirst("POSTGRES_URL=".count))
    }

    /// Runs `arguments` (a path and its arguments), returns its exit status (-1 when it could not start).
    private static func run(_ arguments: [String]) -> Int32 {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        guard posix_spawn(&pid, arguments[0], nil, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS are macros: exited when the low 7 bits are 0.
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
    }

    /// Stops the server by the pid the script started, then removes its directory.
    static func stop() {
        guard let directory = startedDirectory.withLock({ $0 }) else { return }
        let script = TestPaths.root.appendingPathComponent("scripts/postgres-test-server.sh").path
        _ = run(["/bin/bash", "-c", "exec /bin/bash \"$0\" stop \"$1\" >/dev/null 2>&1", script, directory])
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A `Mutex` in a class, so escaping task closures can share it (a `Mutex` cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
