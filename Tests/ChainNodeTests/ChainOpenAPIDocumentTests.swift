import ChainNode
import Foundation
import JSON
import ServiceRuntime
import TestSupport
import Testing

/// The chain node's OpenAPI document (protocols/openapi/chain-node.yaml), its generated JSON copy
/// and the routes stay in step: scripts/gen-openapi-json.sh must be rerun after every YAML edit.
@Suite struct ChainOpenAPIDocumentTests {
    static let yamlPath = TestPaths.root.appendingPathComponent("protocols/openapi/chain-node.yaml").path

    static func document() throws -> JSONValue {
        try JSONParser(limits: .init(maxInputBytes: 4 << 20, maxDepth: 128)).parse(ChainOpenAPIDocument.json)
    }

    /// Every route the node registers (docs/chain-node.md "Endpoints"), as OpenAPI path and method.
    static let servedOperations: [(path: String, method: String)] = [
        ("/rpc/head", "get"), ("/rpc/getHead", "get"), ("/rpc/blocks/{height}", "get"), ("/rpc/getBlock/{heightOrHash}", "get"),
        ("/rpc/tx/{tx_hash}", "get"), ("/rpc/getTx/{tx_hash}", "get"), ("/rpc/receipts/{receipt_id}", "get"),
        ("/rpc/getBalance/{address}", "get"), ("/rpc/sendTx", "post"), ("/rpc/submitReceipt", "post"), ("/rpc/sendTxs", "post"),
        ("/rpc/estimateFee", "post"), ("/rpc/admin/mintFaucet", "post"), ("/admin/mintFaucet", "post"), ("/openapi.json", "get"),
        ("/healthz", "get"), ("/readyz", "get"), ("/metrics", "get"),
    ]

    @Test func documentsExactlyTheServedOperations() throws {
        let paths = try #require(try Self.document()["paths"]?.objectValue)
        var documented: Set<String> = []
        for path in paths {
            for method in path.value.objectValue ?? [] { documented.insert("\(method.key) \(path.key)") }
        }
        #expect(documented == Set(Self.servedOperations.map { "\($0.method) \($0.path)" }))
    }

    @Test func isAnOpenAPI30Document() throws {
        let document = try Self.document()
        #expect(document["openapi"]?.stringValue?.hasPrefix("3.0.") == true)
        #expect(document["servers"]?.arrayValue?.first?["url"]?.stringValue == "http://127.0.0.1:8080")
    }

    @Test(.enabled(if: TestPaths.pythonHas("yaml"), "python3 with PyYAML is not installed: YAML/JSON equality not checked"))
    func generatedJSONEqualsTheYAML() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-openapi")
        let script = "import json,sys,yaml; json.dump(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), sys.stdout)"
        let result = try await ChildProcess.run(
            TestPaths.onPath("python3") ?? "python3", ["-c", script, Self.yamlPath], environment: TestPaths.baseEnvironment(),
            directory: directory.url.path)
        #expect(result.status == 0, "\(result.stderr)")
        let fromYAML = try JSONParser(limits: .init(maxInputBytes: 4 << 20, maxDepth: 128)).parse(result.stdout)
        #expect(fromYAML == (try Self.document()), "run scripts/gen-openapi-json.sh chain-node after editing chain-node.yaml")
    }

    @Test(
        .enabled(
            if: TestPaths.pythonHas("openapi_spec_validator"),
            "openapi-spec-validator is not installed (pip install openapi-spec-validator): document not validated"))
    func documentIsValidOpenAPI() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-openapi")
        let script = """
            import sys
            from openapi_spec_validator import validate
            from openapi_spec_validator.readers import read_from_filename
            spec, _ = read_from_filename(sys.argv[1])
            validate(spec)
            print("valid")
            """
        let result = try await ChildProcess.run(
            TestPaths.onPath("python3") ?? "python3", ["-c", script, Self.yamlPath], environment: TestPaths.baseEnvironment(),
            directory: directory.url.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("valid"))
    }
}
