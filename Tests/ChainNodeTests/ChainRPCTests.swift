import ChainNode
import ChainNodeTestSupport
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import Logging
import Testing
import WireModels

/// A live node on a loopback port, with the faucet on.
struct LiveChainNode {
    let fixture: ChainFixture
    let service: ChainNodeService
    let client = HTTPClient()
    let base: String
    static let adminToken = "test-admin-token-0123456789"

    static func start(
        rate: Int = 100_000, burst: Int = 100_000, faucet: Bool = true, webSocket: WebSocketRPCSettings = WebSocketRPCSettings()
    ) async throws -> LiveChainNode {
        let fixture = try ChainFixture()
        var configuration = ChainNodeConfiguration(genesis: fixture.genesis, databasePath: fixture.databasePath, proposerKey: fixture.authority)
        configuration.faucetEnabled = faucet
        configuration.faucetKey = fixture.faucet
        configuration.adminToken = adminToken
        configuration.sendRatePerSecond = rate
        configuration.sendBurst = burst
        configuration.webSocketRPC = webSocket
        let service = try await ChainNodeService.open(configuration: configuration, clock: ManualChainClock(), logger: Logger(label: "chain-rpc-test"))
        try await service.start()
        return LiveChainNode(fixture: fixture, service: service, base: "http://127.0.0.1:\(service.port ?? 0)")
    }

    func get(_ path: String) async throws -> (Int, JSONValue) {
        let response = try await client.get(base + path)
        return (response.status.code, (try? JSONParser(limits: .init(maxInputBytes: 16 << 20)).parse(response.body)) ?? .null)
    }

    func post(_ path: String, _ body: JSONValue, headers: HTTPHeaders = HTTPHeaders()) async throws -> (Int, JSONValue, HTTPClientResponse) {
        let response = try await client.post(base + path, json: body, headers: headers)
        return (response.status.code, (try? JSONParser(limits: .init(maxInputBytes: 16 << 20)).parse(response.body)) ?? .null, response)
    }

    func stop() async {
        await service.shutdown()
        await client.shutdown()
    }
}

@Suite struct ChainRPCTests {
    @Test func headAndBlocksAnswerTheSpecShapesAndErrors() async throws {
        let node = try await LiveChainNode.start()
        let (status, head) = try await node.get("/rpc/head")
        #expect(status == 200 && head["height"]?.int64Value == 0 && head["hash"]?.stringValue?.count == 66)
        #expect(try await node.get("/rpc/getHead").1 == head)
        let (blockStatus, block) = try await node.get("/rpc/blocks/0")
        #expect(blockStatus == 200 && block["hash"] == head["hash"] && block["state_root"]?.stringValue?.hasPrefix("0x") == true)
        let hash = try #require(head["hash"]?.stringValue)
        #expect(try await node.get("/rpc/getBlock/\(hash)").1 == block)
        #expect(try await node.get("/rpc/getBlock/0").1 == block)
        let (missing, missingBody) = try await node.get("/rpc/blocks/99")
        #expect(missing == 404 && missingBody["error"]?["code"] == "BLOCK_NOT_FOUND" && missingBody["detail"] == "block not found")
        #expect(try await node.get("/rpc/blocks/abc").0 == 422)
        await node.stop()
    }

    @Test func aMalformedAddressIsA400NamingTheField() async throws {
        let node = try await LiveChainNode.start()
        let (status, body) = try await node.get("/rpc/getBalance/ait1notanaddress")
        #expect(status == 400 && body["error"]?["code"] == "INVALID_FIELD" && body["error"]?["details"]?["field"] == "address")
        let tx = try node.fixture.transfer(from: node.fixture.faucet, to: ChainFixture.address(node.fixture.coordinator), amount: 1, nonce: 1)
        guard case .object(var members) = tx.json else { return }
        members = members.map { $0.key == "sender" ? JSONMember(key: "sender", value: "ait1qqqqbad") : $0 }
        let (sendStatus, sendBody, _) = try await node.post("/rpc/sendTx", .object(members))
        #expect(sendStatus == 400 && sendBody["error"]?["details"]?["field"] == "sender")
        await node.stop()
    }

    @Test func sendTxThenInclusionIsVisibleThroughEveryRead() async throws {
        let node = try await LiveChainNode.start()
        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        let tx = try node.fixture.transfer(from: node.fixture.faucet, to: bob, amount: 777, nonce: 1)
        let (status, body, _) = try await node.post("/rpc/sendTx", tx.json)
        #expect(status == 200 && body["status"] == "pending")
        let id = try #require(body["tx_hash"]?.stringValue)
        #expect(try await node.get("/rpc/tx/\(id)").1["status"] == "pending")
        let account = try await node.get("/rpc/getBalance/\(ChainFixture.address(node.fixture.faucet).rawValue)").1
        #expect(account["next_nonce"]?.int64Value == 2 && account["nonce"]?.int64Value == 0)
        _ = try await node.service.chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        let (txStatus, view) = try await node.get("/rpc/getTx/\(id)")
        #expect(txStatus == 200 && view["status"] == "included" && view["block_height"]?.int64Value == 1 && view["recipient"]?.stringValue == bob.rawValue)
        let balance = try await node.get("/rpc/getBalance/\(bob.rawValue)").1
        #expect(balance["balance"]?.int64Value == 777 && balance["updated_at"]?.stringValue != nil)
        let (again, againBody, _) = try await node.post("/rpc/sendTx", tx.json)
        #expect(again == 409 && againBody["error"]?["code"] == "TX_ALREADY_INCLUDED")
        let (unknown, unknownBody) = try await node.get("/rpc/tx/0x" + String(repeating: "0", count: 64))
        #expect(unknown == 404 && unknownBody["error"]?["details"]?["status"] == "unknown")
        #expect(try await node.get("/rpc/tx/nothex").0 == 400)
        await node.stop()
    }

    @Test func sendTxsAnswersOneResultPerTransactionInOrder() async throws {
        let node = try await LiveChainNode.start()
        let to = ChainFixture.address(node.fixture.coordinator)
        let good1 = try node.fixture.transfer(from: node.fixture.faucet, to: to, amount: 1, nonce: 1)
        let gap = try node.fixture.transfer(from: node.fixture.faucet, to: to, amount: 1, nonce: 5)
        let good2 = try node.fixture.transfer(from: node.fixture.faucet, to: to, amount: 1, nonce: 2)
        let body: JSONValue = .object([JSONMember(key: "txs", value: .array([good1.json, gap.json, "not a tx", good2.json]))])
        let (status, answer, _) = try await node.post("/rpc/sendTxs", body)
        #expect(status == 200)
        let results = try #require(answer["results"]?.arrayValue)
        #expect(results.count == 4)
        #expect(results[0]["status"] == "pending" && results[3]["status"] == "pending")
        #expect(results[1]["error"]?["code"] == "NONCE_GAP" && results[1]["tx_hash"]?.stringValue != nil)
        #expect(results[2]["error"]?["code"] == "VALIDATION_ERROR")
        #expect(answer["accepted"]?.int64Value == 2 && answer["rejected"]?.int64Value == 2)
        let tooMany: JSONValue = .object([JSONMember(key: "txs", value: .array(Array(repeating: good1.json, count: 1_001)))])
        #expect(try await node.post("/rpc/sendTxs", tooMany).0 == 422)
        await node.stop()
    }

    @Test func estimateFeeFollowsTheGenesisParameters() async throws {
        let node = try await LiveChainNode.start()
        let payload: JSONValue = ["to": "x", "amount": 5]
        let (status, body, _) = try await node.post("/rpc/estimateFee", ["payload": payload])
        // {"amount":5,"to":"x"} is 21 bytes: 10 + 1 × 21.
        #expect(status == 200 && body["type"] == "TRANSFER" && body["payload_bytes"]?.int64Value == 21 && body["estimated_fee"]?.int64Value == 31)
        await node.stop()
    }

    @Test func theFaucetNeedsTheAdminTokenAndPaysFromTheFaucetAccount() async throws {
        let node = try await LiveChainNode.start()
        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        let request: JSONValue = ["address": .string(bob.rawValue), "amount": 1_000]
        let (unauthorized, _, response) = try await node.post("/rpc/admin/mintFaucet", request)
        #expect(unauthorized == 401 && response.headers["WWW-Authenticate"] != nil)
        var wrong = HTTPHeaders()
        wrong.add(name: "Authorization", value: "Bearer nope")
        #expect(try await node.post("/admin/mintFaucet", request, headers: wrong).0 == 401)
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(LiveChainNode.adminToken)")
        let (status, body, _) = try await node.post("/admin/mintFaucet", request, headers: headers)
        #expect(status == 200 && body["status"] == "pending" && body["balance"]?.int64Value == 0)
        _ = try await node.service.chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        #expect(try await node.get("/rpc/getBalance/\(bob.rawValue)").1["balance"]?.int64Value == 1_000)
        await node.stop()
        let off = try await LiveChainNode.start(faucet: false)
        #expect(try await off.post("/rpc/admin/mintFaucet", request, headers: headers).0 == 404)
        await off.stop()
    }

    @Test func submissionsBeyondTheClientsRateAre429WithRetryAfter() async throws {
        let node = try await LiveChainNode.start(rate: 1, burst: 2)
        let to = ChainFixture.address(node.fixture.coordinator)
        for nonce in 1...2 {
            #expect(try await node.post("/rpc/sendTx", node.fixture.transfer(from: node.fixture.faucet, to: to, amount: 1, nonce: UInt64(nonce)).json).0 == 200)
        }
        let (status, body, response) = try await node.post("/rpc/sendTx", node.fixture.transfer(from: node.fixture.faucet, to: to, amount: 1, nonce: 3).json)
        #expect(status == 429 && body["error"]?["code"] == "RATE_LIMITED" && response.headers["Retry-After"] != nil)
        await node.stop()
    }

    @Test func metricsExposeTheChainSeries() async throws {
        let node = try await LiveChainNode.start()
        _ = try await node.service.chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        _ = try await node.get("/rpc/head")
        _ = try await node.get("/rpc/blocks/77")
        let response = try await node.client.get(node.base + "/metrics")
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("chain_head_height") && text.contains("blocks_proposed_total") && text.contains("mempool_size"))
        // The reference's per-RPC names (spec §11), so existing dashboards keep working.
        #expect(text.contains("rpc_get_head_total") && text.contains("rpc_get_head_success_total"))
        #expect(text.contains("rpc_get_block_not_found_total") && text.contains("rpc_send_tx_duration_seconds"))
        await node.stop()
    }
}
