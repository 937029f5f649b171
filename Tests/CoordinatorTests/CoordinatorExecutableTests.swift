import Cryptography
import Foundation
import JSON
import TestSupport
import ServiceRuntime
import Testing

/// The real `aitbc-coordinator` binary: help, exit codes, SIGTERM drain, and crash recovery.
@Suite(.serialized, .enabled(if: TestPaths.product("aitbc-coordinator") != nil, "aitbc-coordinator is not built (swift build --build-tests builds it)"))
struct CoordinatorExecutableTests {
    static var binary: String { TestPaths.product("aitbc-coordinator") ?? "aitbc-coordinator" }

    @Test func helpListsEveryFlagAndExitsZero() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-exe")
        let result = try await ChildProcess.run(
            Self.binary, ["--help"], environment: TestPaths.baseEnvironment(), directory: directory.url.path)
        #expect(result.status == 0)
        for flag in ["--host", "--port", "--data-dir", "--env-file", "--log-level"] { #expect(result.stdout.contains(flag)) }
    }

    /// Issue 12: every binary answers `--version` (the one `AITBCVersion` of ServiceRuntime).
    @Test func versionIsPrintedAndExitsZero() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-exe")
        let result = try await ChildProcess.run(
            Self.binary, ["--version"], environment: TestPaths.baseEnvironment(), directory: directory.url.path)
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == AITBCVersion.line(for: "aitbc-coordinator"))
    }

    @Test(arguments: [
        (["--port", "99999"], [String: String](), "APP_PORT"),
        (["--host", "not-an-address"], [:], "APP_HOST"),
        (["--log-level", "loud"], [:], "LOG_LEVEL"),
        ([], ["RECEIPT_SIGNING_KEY_HEX": "zz-secret-zz"], "RECEIPT_SIGNING_KEY_HEX"),
        ([], ["RATE_LIMIT_REQUESTS": "0"], "RATE_LIMIT_REQUESTS"),
        (["--env-file", "/nonexistent/coordinator.env"], [:], "/nonexistent/coordinator.env"),
    ])
    func invalidConfigurationExitsTwoNamingTheSetting(arguments: [String], environment: [String: String], setting: String) async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-exe")
        var env = TestPaths.baseEnvironment()
        for (key, value) in environment { env[key] = value }
        let result = try await ChildProcess.run(
            Self.binary, arguments + ["--data-dir", directory.path("data")], environment: env, directory: directory.url.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("invalid configuration"))
        #expect(result.stderr.contains(setting))
        #expect(!result.stderr.contains("zz-secret-zz"))
    }

    @Test func flagsWinOverEnvironmentAndSIGTERMDrainsToExitZero() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-exe")
        // APP_PORT in the environment is invalid; the --port 0 flag wins, so it starts.
        let coordinator = try await CoordinatorProcess(
            binary: Self.binary, dataDirectory: directory.path("data"), settings: ["APP_PORT": "not-a-port", "APP_ENV": "dev"],
            workDirectory: directory.url.path)
        let port = coordinator.port
        let health = try await onOwnThread {
            Result { try CoordinatorServerHarness.blockingRequest(port: port, "GET", "/v1/health", key: nil, headers: [], body: nil) }
        }.get()
        #expect(health.status == 200)
        coordinator.child.send(SIGTERM)
        #expect(await coordinator.child.wait(timeout: .seconds(30)) == 0)
        let log = coordinator.child.stdout
        #expect(log.contains(#""event":"shutdown requested""#))
        #expect(log.contains(#""event":"stopped""#))
        // Every line is one JSON object.
        for line in log.split(separator: "\n") {
            #expect((try? JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(String(line))) != nil)
        }
    }

    @Test func apiKeysAndTheWebSocketKeyParameterNeverReachTheLog() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-exe")
        let coordinator = try await CoordinatorProcess(
            binary: Self.binary, dataDirectory: directory.path("data"),
            settings: ["APP_ENV": "test", "CLIENT_API_KEYS": "alice:very-secret-client-key", "LOG_LEVEL": "trace"],
            workDirectory: directory.url.path)
        let port = coordinator.port
        _ = try await onOwnThread {
            Result {
                _ = try CoordinatorServerHarness.blockingRequest(
                    port: port, "POST", "/v1/jobs", key: "very-secret-client-key", headers: [], body: #"{"payload":{}}"#)
                _ = try CoordinatorServerHarness.blockingRequest(
                    port: port, "GET", "/v1/ws/client?api_key=very-secret-client-key", key: nil,
                    headers: [("Authorization", "Bearer very-secret-client-key")], body: nil)
            }
        }.get()
        coordinator.child.send(SIGTERM)
        #expect(await coordinator.child.wait(timeout: .seconds(30)) == 0)
        #expect(coordinator.child.stdout.contains(#""path":"/v1/ws/client""#))
        #expect(!coordinator.child.stdout.contains("very-secret-client-key"))
        #expect(!coordinator.child.stderr.contains("very-secret-client-key"))
    }
}
