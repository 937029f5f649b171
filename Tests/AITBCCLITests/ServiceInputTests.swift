import Foundation
import JSON
import TestSupport
import Testing

/// Input problems the service commands find before any request (exit 2), and the parser's
/// usage errors (64). No coordinator needed: nothing is sent.
@Suite struct ServiceInputTests {
    static let jobID = String(repeating: "ab", count: 16)
    static let key = "input-test-secret-key"

    @Test func aKeyFileOthersMayReadIsRefusedNamingModeAndFix() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-cli-keyfile")
        let path = directory.path("api.key")
        try Data((Self.key + "\n").utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let run = try await CLIFixtures.runAsync(["job", "status", Self.jobID, "--key-file", path, "--url", "http://127.0.0.1:9"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("mode 0644"), "\(run.stderr)")
        #expect(run.stderr.contains("chmod 600 \(path)"), "\(run.stderr)")
        #expect(!run.stderr.contains(Self.key) && !run.stdout.contains(Self.key))
    }

    @Test func aKeyFileThatIsNoRegularFileIsRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-cli-keyfile")
        let missing = try await CLIFixtures.runAsync(["job", "status", Self.jobID, "--key-file", directory.path("none")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot open"), "\(missing.stderr)")
        let folder = try await CLIFixtures.runAsync(["job", "status", Self.jobID, "--key-file", directory.url.path])
        #expect(folder.status == 2, "\(folder.stderr)")
        let target = directory.path("api.key")
        try Data(Self.key.utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
        try FileManager.default.createSymbolicLink(atPath: directory.path("link.key"), withDestinationPath: target)
        let link = try await CLIFixtures.runAsync(["job", "status", Self.jobID, "--key-file", directory.path("link.key")])
        #expect(link.status == 2)
        #expect(link.stderr.contains("symbolic link"), "\(link.stderr)")
    }

    @Test func noKeyAtAllIsAnInputProblem() async throws {
        let run = try await CLIFixtures.runAsync(["job", "list", "--url", "http://127.0.0.1:9"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("AITBC_API_KEY"), "\(run.stderr)")
    }

    @Test(arguments: ["https://127.0.0.1:8011", "127.0.0.1:8011", "http://", "http://user:pw@127.0.0.1:8011", "http://127.0.0.1:99999", "http://127.0.0.1:8011/?a=b", "http://coordinator.example:8011"])
    func aBadURLIsAnInputProblem(url: String) async throws {
        let run = try await CLIFixtures.runAsync(["job", "status", Self.jobID, "--url", url], environment: ["AITBC_API_KEY": Self.key])
        #expect(run.status == 2, "\(url): \(run.stderr)")
        #expect(run.stderr.hasPrefix("error: --url"), "\(run.stderr)")
        #expect(!run.stderr.contains("pw@"))
    }

    @Test func aBadURLInTheEnvironmentIsNamedAsSuch() async throws {
        let run = try await CLIFixtures.runAsync(
            ["job", "status", Self.jobID], environment: ["AITBC_API_KEY": Self.key, "AITBC_URL": "ftp://example"])
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("error: AITBC_URL"), "\(run.stderr)")
    }

    @Test func anUnusablePayloadFileIsAnInputProblem() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-cli-payload")
        let environment = ["AITBC_API_KEY": Self.key]
        let url = ["--url", "http://127.0.0.1:9"]
        let missing = try await CLIFixtures.runAsync(["job", "submit", "--payload", directory.path("none.json")] + url, environment: environment)
        #expect(missing.status == 2, "\(missing.stderr)")
        let invalid = try await CLIFixtures.runAsync(["job", "submit", "--payload", "-"] + url, environment: environment, stdin: Array("{\"a\":".utf8))
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("invalid JSON"), "\(invalid.stderr)")
        let array = try await CLIFixtures.runAsync(["job", "submit", "--payload", "-"] + url, environment: environment, stdin: Array("[1]".utf8))
        #expect(array.status == 2)
        #expect(array.stderr.contains("must hold a JSON object"), "\(array.stderr)")
    }

    @Test func parserUsageErrorsKeepSixtyFour() async throws {
        let environment = ["AITBC_API_KEY": Self.key]
        #expect(try await CLIFixtures.runAsync(["job", "submit"], environment: environment).status == 64)
        #expect(try await CLIFixtures.runAsync(["job", "submit", "--prompt", "hi"], environment: environment).status == 64)
        #expect(try await CLIFixtures.runAsync(["job", "status"], environment: environment).status == 64)
        #expect(try await CLIFixtures.runAsync(["job", "list", "--limit", "0"], environment: environment).status == 64)
        #expect(try await CLIFixtures.runAsync(["receipt", "fetch", Self.jobID, "--verify"], environment: environment).status == 64)
        #expect(try await CLIFixtures.runAsync(["job", "status", Self.jobID, "--api-key", Self.key], environment: environment).status == 64)
    }
}
