import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Miner

/// Review 3: a hostile or mistyped miner YAML file can neither exhaust memory through aliases
/// nor make an error message print the file's secrets or raw control characters.
@Suite struct AgentConfigurationHostileYAMLTests {
    /// Ten levels of ten aliases: 10^10 nodes once expanded (390 bytes).
    static let bomb = (0..<10).map { level -> String in
        let name = String(UnicodeScalar(UInt8(97 + level)))
        let items = level == 0 ? Array(repeating: "\"x\"", count: 10) : Array(repeating: "*" + String(UnicodeScalar(UInt8(96 + level))), count: 10)
        return "\(name): &\(name) [\(items.joined(separator: ","))]"
    }.joined(separator: "\n") + "\n"

    func load(_ text: String) throws(ConfigurationError) -> MinerConfiguration {
        let directory = try! TemporaryDirectory(prefix: "aitbc-miner-hostile")
        let path = directory.path("miner.yaml")
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return try MinerConfiguration.load(configPath: path, environment: [:])
    }

    @Test(.timeLimit(.minutes(1)), arguments: [
        (bomb, 1, 4),
        (bomb + "? *j\n: 1\n", 1, 4),
        ("node_id: &n miner-1\n", 1, 10),
        ("coordinator:\n  base_url: http://127.0.0.1:8011/v1\nnode_id: *n\n", 3, 10),
        ("defaults: &d {interval_s: 2}\nheartbeat:\n  <<: *d\n", 1, 11),
    ])
    func anchorsAndAliasesAreRefusedBeforeAnythingExpands(text: String, line: Int, column: Int) {
        do {
            _ = try load(text)
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasSuffix(": line \(line) column \(column): YAML anchors and aliases are not supported in miner configuration"), "\(error)")
        }
    }

    @Test func tooManyNodesAreRefused() {
        let text = "x: [" + Array(repeating: "1", count: MinerYAML.maxNodes + 1).joined(separator: ",") + "]\n"
        #expect(throws: ConfigurationError.self) { try MinerYAML.parseDocument(text) }
        do {
            _ = try MinerYAML.parseDocument(text)
        } catch {
            #expect(error.description.contains("more than \(MinerYAML.maxNodes) YAML nodes"))
        }
    }

    @Test(arguments: [
        ("node_id: n1\ncoordinator:\n  base_url: \"http://127.0.0.1:1/v1\"\n  auth_token: \"SUPERSECRET-TOKEN-1\"\n  auth_token: \"SUPERSECRET-TOKEN-2\"\n",
         "line 4 column 3: duplicate key 'auth_token'"),
        ("node_id: n1\ncoordinator:\n  base_url: \"http://127.0.0.1:1/v1\"\n  hmac_secret: SUPERSECRET-HMAC: x\n  auth_token: t\n",
         "line 4 column 32: mapping values are not allowed in this context"),
        ("node_id: n1\ncoordinator:\n  auth_token: \"SUPERSECRET-TOKEN\n", "line 4 column 1: found unexpected end of stream"),
        ("coordinator:\n  auth_token: SUPERSECRET-TOKEN\n\tbad: 1\n", "line 3 column 1: found a tab character that violates indentation"),
    ])
    func yamlErrorsNameTheLineButNeverQuoteTheFile(text: String, expected: String) async throws {
        do {
            _ = try load(text)
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasSuffix(": \(expected)"), "\(error)")
            #expect(!error.description.contains("SUPERSECRET"), "\(error)")
        }
        guard let binary = AgentExecutable.path else { return }
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-hostile")
        let path = directory.path("miner.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await AgentExecutable.run(binary, ["run", "--config", path, "--print-config"], environment: [:])
        #expect(run.status == 2)
        #expect(run.output.contains(expected), "\(run.output)")
        #expect(!run.output.contains("SUPERSECRET"), "\(run.output)")
    }

    @Test func unknownKeysAreEscapedAndBounded() {
        do {
            _ = try load("\"\\e[2J\\nFAKE\": 1\n\(String(repeating: "k", count: 300)): 2\n")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("\u{1B}") && !error.description.contains("\n"), "\(error)")
            #expect(error.description.contains("\\u{1B}[2J\\u{A}FAKE"), "\(error)")
        }
        do {
            _ = try load("\(String(repeating: "k", count: 300)): 2\n")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains(String(repeating: "k", count: 65)), "\(error)")
        }
    }
}
