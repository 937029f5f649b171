import ChainNode
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import ServiceRuntime
import TestSupport
import Testing
import WireModels

/// The chain node's OpenAPI document (protocols/openapi/chain-node.yaml), the JSON the node serves
/// at `/openapi.json`, the routes and the example settings stay in step: scripts/gen-openapi-json.sh
/// must be rerun after every YAML edit.
@Suite struct ChainOpenAPIDocumentTests {
    static let yamlPath = TestPaths.root.appendingPathComponent("protocols/openapi/chain-node.yaml").path

    static func document() throws -> JSONValue {
        try JSONParser(limits: .init(maxInputBytes: 4 << 20, maxDepth: 128)).parse(ChainOpenAPIDocument.json)
    }

    /// Every route the node registers (docs/chain-node.md "Endpoints"), as OpenAPI path and method.
    static let servedOperations: [(path: String, method: String)] = [
        ("/rpc/head", "get"), ("/rpc/getHead", "get"), ("/rpc/blocks/{height}", "get"), ("/rpc/blocks-range", "get"), ("/rpc/getBlock/{heightOrHash}", "get"),
        ("/rpc/tx/{tx_hash}", "get"), ("/rpc/getTx/{tx_hash}", "get"), ("/rpc/receipts/{receipt_id}", "get"),
        ("/rpc/getBalance/{address}", "get"), ("/rpc/sendTx", "post"), ("/rpc/submitReceipt", "post"), ("/rpc/sendTxs", "post"),
        ("/rpc/estimateFee", "post"), ("/rpc/admin/mintFaucet", "post"), ("/admin/mintFaucet", "post"), ("/openapi.json", "get"),
        ("/healthz", "get"), ("/readyz", "get"), ("/metrics", "get"), ("/rpc/syncStatus", "get"), ("/p2p/peers", "get"),
        ("/admin/peers/add", "post"),
    ]

    @Test func documentsExactlyTheServedOperations() throws {
        let paths = try #require(try Self.document()["paths"]?.objectValue)
        var documented: Set<String> = []
        for path in paths {
            for method in path.value.objectValue ?? [] { documented.insert("\(method.key) \(path.key)") }
        }
        #expect(documented == Set(Self.servedOperations.map { "\($0.method) \($0.path)" }))
    }

    @Test func theNodeServesTheDocument() async throws {
        let node = try await LiveChainNode.start()
        let response = try await node.client.get(node.base + "/openapi.json")
        #expect(response.status.code == 200 && response.headers["Content-Type"] == "application/json")
        #expect(Array(response.body) == Array(ChainOpenAPIDocument.json.utf8))
        await node.stop()
    }

    @Test func everyServedOperationAnswersAsDocumented() async throws {
        let node = try await LiveChainNode.start()
        let document = try Self.document()
        let address = ChainFixture.address(node.fixture.faucet).rawValue
        var admin = HTTPHeaders()
        admin.add(name: "Authorization", value: "Bearer \(LiveChainNode.adminToken)")
        for (path, method) in Self.servedOperations {
            let concrete = path.replacingOccurrences(of: "{height}", with: "0").replacingOccurrences(of: "{heightOrHash}", with: "7")
                .replacingOccurrences(of: "{tx_hash}", with: "0x" + String(repeating: "0", count: 64))
                .replacingOccurrences(of: "{receipt_id}", with: String(repeating: "0", count: 32))
                .replacingOccurrences(of: "{address}", with: address)
            let status: Int
            if method == "post" {
                // `{}` decodes for estimateFee (200) and nothing else (422); the faucet is tried with and without the token.
                let needsToken = path.hasSuffix("mintFaucet") || path.hasPrefix("/admin/peers")
                status = try await node.post(concrete, .object([]), headers: needsToken ? admin : HTTPHeaders()).0
                if needsToken {
                    let unauthorized = try await node.post(concrete, .object([])).0
                    #expect(document["paths"]?[path]?[method]?["responses"]?[String(unauthorized)] != nil, "\(path) without a token answered \(unauthorized)")
                }
            } else {
                status = try await node.client.get(node.base + concrete).status.code
            }
            #expect(document["paths"]?[path]?[method]?["responses"]?[String(status)] != nil, "\(method) \(path) answered undocumented \(status)")
        }
        await node.stop()
    }

    @Test func envExampleIsAValidConfigurationOfTheDefaults() throws {
        let fixture = try ChainFixture()
        let genesisPath = fixture.directory.path("genesis.json")
        try Data(fixture.genesis.fileBytes).write(to: URL(fileURLWithPath: genesisPath))
        let path = TestPaths.root.appendingPathComponent("configs/chain-node/.env.example").path
        let example = try DotEnvFile.load(path: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        // systemd's EnvironmentFile= keeps a trailing comment as part of the value: values stand alone.
        for line in lines where !line.hasPrefix("#") && line.contains("=") {
            #expect(!line.contains(" #") && !line.contains("\t#"), "a trailing comment on: \(line)")
        }
        // Every setting is listed, set or as a commented `# NAME=` line (unset by default).
        let commented = lines.compactMap { line -> String? in
            guard line.hasPrefix("# "), let equals = line.firstIndex(of: "=") else { return nil }
            let name = line[line.index(line.startIndex, offsetBy: 2)..<equals]
            return name.allSatisfy({ $0.isUppercase || $0 == "_" }) && !name.isEmpty ? String(name) : nil
        }
        let listed = Set(example.keys).union(commented)
        #expect(listed.isSuperset(of: [
            "CHAIN_GENESIS", "DATA_DIR", "RPC_BIND_HOST", "RPC_BIND_PORT", "PROPOSER_KEY_FILE", "MEMPOOL_MAX_TXS", "MEMPOOL_MAX_BYTES",
            "SENDTX_RATE_PER_SECOND", "SENDTX_BURST", "DEVNET_FAUCET", "FAUCET_KEY_FILE", "ADMIN_TOKEN", "MAX_BODY_BYTES", "LOG_LEVEL",
            "WS_MAX_CONNECTIONS", "WS_QUEUE_SIZE", "WS_QUEUE_BYTES", "WS_PING_INTERVAL_SECONDS", "WS_MAX_BACKFILL_BLOCKS",
            "P2P_ENABLED", "P2P_BIND_HOST", "P2P_BIND_PORT", "BOOTSTRAP_PEERS", "NODE_KEY_FILE", "MAX_PEERS", "GOSSIP_QUEUE_SIZE",
            "GOSSIP_QUEUE_BYTES", "PEER_BAN_SECONDS", "SYNC_BATCH", "SYNC_PARALLEL", "MAX_KNOWN_PEERS", "P2P_STATUS_INTERVAL_SECONDS",
            "P2P_IDLE_TIMEOUT_SECONDS",
        ]))
        let configuration = try ChainNodeConfiguration(reader: ConfigurationReader(flags: ["CHAIN_GENESIS": genesisPath], dotEnv: example))
        let defaults = ChainNodeConfiguration(genesis: fixture.genesis, databasePath: "./data/chain-node/chain.db", proposerKey: nil)
        #expect(configuration.dataDirectory == defaults.dataDirectory && configuration.databasePath == defaults.databasePath)
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080 && configuration.proposerKey == nil)
        #expect(configuration.mempoolLimits == defaults.mempoolLimits)
        #expect(configuration.sendRatePerSecond == defaults.sendRatePerSecond && configuration.sendBurst == defaults.sendBurst)
        #expect(!configuration.faucetEnabled && configuration.faucetKey == nil && configuration.adminToken == nil)
        #expect(configuration.maxBodyBytes == defaults.maxBodyBytes && configuration.logLevel == defaults.logLevel)
        #expect(configuration.webSocketRPC == defaults.webSocketRPC)
        let p2p = configuration.p2p
        #expect(p2p.enabled && p2p.host == "127.0.0.1" && p2p.port == 7070 && p2p.bootstrapPeers.isEmpty)
        #expect(p2p.nodeKeyPath == "./data/chain-node/node_key.json" && p2p.maxPeers == 32 && p2p.banSeconds == 600)
        #expect(p2p.queueSize == 1_024 && p2p.queueBytes == 64 << 20 && p2p.syncBatch == 256 && p2p.syncParallel == 4)
        #expect(p2p.maxKnownPeers == 1_000 && p2p.statusInterval == .seconds(10) && p2p.idleTimeout == .seconds(30))
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
