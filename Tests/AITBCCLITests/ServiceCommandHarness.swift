import Cryptography
import Foundation
import JSON
import ServiceRuntime
import TestSupport
import Testing

/// A real `aitbc-coordinator` on 127.0.0.1 (temporary data directory, fixed keys per role, a
/// fresh receipt signing key) and the real `aitbc` binary run against it.
final class ServiceCommandHarness: Sendable {
    static let clientKey = "cli-client-secret-0123456789"
    static let minerKey = "cli-miner-secret-0123456789"
    static let adminKey = "cli-admin-secret-0123456789"
    /// Every key a test uses: none may appear in any output.
    static let secrets = [clientKey, minerKey, adminKey]

    let coordinator: CoordinatorProcess
    let directory: TemporaryDirectory
    let signingKey: Ed25519.PrivateKey

    private init(coordinator: CoordinatorProcess, directory: TemporaryDirectory, signingKey: Ed25519.PrivateKey) {
        self.coordinator = coordinator
        self.directory = directory
        self.signingKey = signingKey
    }

    /// The coordinator's base URL, as a user passes it to `--url`.
    var url: String { "http://127.0.0.1:\(coordinator.port)" }

    /// Starts a coordinator (the test fails when `aitbc-coordinator` is not built).
    static func start() async throws -> ServiceCommandHarness {
        let binary = try #require(TestPaths.product("aitbc-coordinator"), "build the package first (swift build)")
        let directory = try TemporaryDirectory(prefix: "aitbc-cli-service")
        let signingKey = Ed25519.PrivateKey.generate()
        let seed = signingKey.seed.withUnsafeBytes { Hex.encode($0) }
        let coordinator = try await CoordinatorProcess(
            binary: binary, dataDirectory: directory.path("coordinator"),
            settings: [
                "CLIENT_API_KEYS": "alice:\(clientKey)", "MINER_API_KEYS": "m1:\(minerKey)", "ADMIN_API_KEYS": "root:\(adminKey)",
                "RECEIPT_SIGNING_KEY_HEX": seed, "RATE_LIMIT_REQUESTS": "100000",
            ],
            workDirectory: directory.url.path)
        return ServiceCommandHarness(coordinator: coordinator, directory: directory, signingKey: signingKey)
    }

    /// Runs `body` against a started coordinator and always stops it afterwards.
    static func with(_ body: (ServiceCommandHarness) async throws -> Void) async throws {
        let harness = try await start()
        do {
            try await body(harness)
        } catch {
            await harness.coordinator.stop()
            throw error
        }
        await harness.coordinator.stop()
    }

    /// Runs `aitbc` with `arguments` and `environment` added to the minimal one, on a thread of
    /// its own; fails the test when any output holds an API key.
    func run(_ arguments: [String], environment: [String: String] = [:], stdin: [UInt8]? = nil) async throws -> CLIFixtures.Run {
        let run = try await CLIFixtures.runAsync(arguments, environment: environment, stdin: stdin)
        for secret in Self.secrets {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "an API key was printed by aitbc \(arguments)")
        }
        return run
    }

    /// `aitbc` as the client alice (key in `AITBC_API_KEY`) against this coordinator.
    func client(_ arguments: [String], stdin: [UInt8]? = nil) async throws -> CLIFixtures.Run {
        try await run(arguments + ["--url", url], environment: ["AITBC_API_KEY": Self.clientKey], stdin: stdin)
    }

    /// `aitbc` as the admin root against this coordinator.
    func admin(_ arguments: [String]) async throws -> CLIFixtures.Run {
        try await run(arguments + ["--url", url], environment: ["AITBC_API_KEY": Self.adminKey])
    }

    /// Writes `text` to a file of the temporary directory; its path.
    func write(_ text: String, to name: String, mode: Int = 0o600) throws -> String {
        let path = directory.path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    /// Submits an echo job as alice with `aitbc job submit --json`; its job id.
    func submitEcho(_ text: String = "hello") async throws -> String {
        let payload = try write(#"{"type":"echo","prompt":"\#(text)"}"#, to: "payload-\(UUID().uuidString).json")
        let run = try await client(["job", "submit", "--payload", payload, "--json"])
        try #require(run.status == 0, "\(run.stderr)")
        let view = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(Array(run.stdout.utf8))
        return try #require(view["job_id"]?.stringValue)
    }
}

extension CLIFixtures {
    /// Runs the binary with `arguments`, the minimal environment plus `environment`, and optional
    /// stdin bytes; waits on a thread of its own (never the cooperative pool).
    static func runAsync(_ arguments: [String], environment: [String: String] = [:], stdin: [UInt8]? = nil) async throws -> Run {
        guard let executable = binary else { throw MissingBinary() }
        let directory = try TemporaryDirectory(prefix: "aitbc-cli-run")
        let input = directory.path("stdin")
        try Data(stdin ?? []).write(to: URL(fileURLWithPath: input))
        var variables = TestPaths.baseEnvironment()
        for (name, value) in environment { variables[name] = value }
        let child = try ChildProcess(executable.path, arguments, environment: variables, directory: directory.url.path, stdin: input)
        let status = await child.wait(timeout: .seconds(120))
        return Run(status: status, stdout: child.stdout, stderr: child.stderr)
    }

    /// The one line of JSON a `--json` run printed.
    static func json(_ run: Run) throws -> JSONValue {
        try JSONParser(limits: .init(maxInputBytes: 16 << 20)).parse(Array(run.stdout.utf8))
    }
}
