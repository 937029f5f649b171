import AITBCClient
import ChainNode
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import TestSupport
import Testing
import WebSocket
import WireModels

/// The WebSocket RPC over a live node on loopback: frames are the REST bodies, filters,
/// `since` backfill, the error envelope, keepalive and permessage-deflate.
@Suite struct WebSocketRPCTests {
    /// Produces the next block (the test's clock: one second per height).
    @discardableResult
    static func produce(_ node: LiveChainNode) async throws -> Chain.ProducedBlock {
        let chain = node.service.chain
        return try await chain.produceBlock(timeMilliseconds: 1_800_000_000_000 + (chain.head.height + 1) * 1_000)
    }

    static func rest(_ node: LiveChainNode, _ path: String) async throws -> [UInt8] {
        let response = try await node.client.get(node.base + path)
        #expect(response.status.code == 200, "\(path)")
        return response.body
    }

    @Test func everyTopicsFrameIsTheRESTBodyByteForByte() async throws {
        let node = try await LiveChainNode.start()
        let rpc = try await RPCTestClient.open(node, "/rpc/ws")
        let blocks = try await RPCTestClient.open(node, "/rpc/ws/blocks")
        let transactions = try await RPCTestClient.open(node, "/rpc/ws/transactions")
        let fixture = node.fixture
        let miner = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 9, count: 32))
        let bob = ChainFixture.address(try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 8, count: 32)))
        let receiptID = String(format: "%032x", 9)
        let heads = try await rpc.subscribe("h", "heads")
        let txs = try await rpc.subscribe("t", "txs")
        let accounts = try await rpc.subscribe("a", "accounts", filter: ["addresses": .array([.string(bob.rawValue)])])
        let receipt = try await rpc.subscribe("r", "receipt", filter: ["receipt_id": .string(receiptID)])
        #expect(heads.head == 0 && [heads, txs, accounts, receipt].map(\.subscription) == ["s1", "s2", "s3", "s4"])

        let transfer = try await node.service.chain.submit(try fixture.transfer(from: fixture.faucet, to: bob, amount: 500, nonce: 1)).txHash
        let claim = try await node.service.chain.submit(try fixture.claim(try fixture.receipt(miner: miner, receiptID: receiptID), from: miner, nonce: 1)).txHash
        let produced = try await Self.produce(node)
        #expect(Set(produced.included) == [transfer, claim])

        var bySubscription: [String: [String]] = [:]
        for _ in 0..<5 {
            let text = try await rpc.next()
            let frame = try ChainSubscriptionFrame(bytes: Array(text.utf8))
            #expect(frame.height == 1)
            bySubscription[frame.subscription, default: []].append(text)
        }
        #expect(try dataBytes(of: #require(bySubscription["s1"]?.first)) == (try await Self.rest(node, "/rpc/blocks/1")))
        let txFrames = try #require(bySubscription["s2"])
        #expect(txFrames.count == 2)
        for (text, id) in zip(txFrames, produced.included) {
            let body = try await Self.rest(node, "/rpc/tx/\(id.rawValue)")
            #expect(String(decoding: dataBytes(of: text), as: UTF8.self) == String(decoding: body, as: UTF8.self))
        }
        #expect(try dataBytes(of: #require(bySubscription["s3"]?.first)) == (try await Self.rest(node, "/rpc/getBalance/\(bob.rawValue)")))
        let receiptBody = try await Self.rest(node, "/rpc/receipts/\(receiptID)")
        #expect(try dataBytes(of: #require(bySubscription["s4"]?.first)) == receiptBody)

        // The bare endpoints: each frame is the body itself.
        #expect(Array(try await blocks.next().utf8) == (try await Self.rest(node, "/rpc/blocks/1")))
        for id in produced.included {
            #expect(Array(try await transactions.next().utf8) == (try await Self.rest(node, "/rpc/tx/\(id.rawValue)")))
        }
        // A receipt already claimed is sent at once.
        let late = try await rpc.subscribe("r2", "receipt", filter: ["receipt_id": .string(receiptID)])
        let lateFrame = try await rpc.next()
        #expect(try ChainSubscriptionFrame(bytes: Array(lateFrame.utf8)).subscription == late.subscription && dataBytes(of: lateFrame) == receiptBody)
        await rpc.close()
        await blocks.close()
        await transactions.close()
        await node.stop()
    }

    @Test func filtersSendOnlyWhatTheyName() async throws {
        let node = try await LiveChainNode.start()
        let fixture = node.fixture
        let rpc = try await RPCTestClient.open(node, "/rpc/ws")
        let bob = ChainFixture.address(try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 5, count: 32)))
        let carol = ChainFixture.address(try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 6, count: 32)))
        let toBob = try await rpc.subscribe("b", "txs", filter: ["address": .string(bob.rawValue)]).subscription
        let toCarol = try await rpc.subscribe("c", "txs", filter: ["address": .string(carol.rawValue), "include_pending": true]).subscription
        let carolsAccount = try await rpc.subscribe("ca", "accounts", filter: ["addresses": .array([.string(carol.rawValue)])]).subscription
        let sentinel = try await rpc.subscribe("h", "heads").subscription

        let bobTx = try await node.service.chain.submit(try fixture.transfer(from: fixture.faucet, to: bob, amount: 1, nonce: 1)).txHash
        let carolTx = try await node.service.chain.submit(try fixture.transfer(from: fixture.faucet, to: carol, amount: 2, nonce: 2)).txHash
        // Carol's pending transaction is sent as it is admitted.
        let pending = try await rpc.frame()
        #expect(pending.subscription == toCarol && pending.data["status"] == "pending" && pending.data["tx_hash"]?.stringValue == carolTx.rawValue)
        try await Self.produce(node)
        var seen: [(String, String)] = []
        while true {
            let frame = try await rpc.frame()
            if frame.subscription == sentinel { break }
            seen.append((frame.subscription, frame.data["tx_hash"]?.stringValue ?? frame.data["address"]?.stringValue ?? ""))
        }
        #expect(seen.map(\.0) == [toBob, toCarol, carolsAccount])
        #expect(seen.map(\.1) == [bobTx.rawValue, carolTx.rawValue, carol.rawValue])
        await rpc.close()
        await node.stop()
    }

    @Test func sinceResumesWithExactlyTheMissedFrames() async throws {
        let node = try await LiveChainNode.start()
        let fixture = node.fixture
        let chain = node.service.chain
        // One continuous subscriber from the start sees every frame.
        let continuous = try await RPCTestClient.open(node, "/rpc/ws/transactions")
        var nonce: UInt64 = 0
        func block(_ transfers: Int) async throws {
            for _ in 0..<transfers {
                nonce += 1
                let to = ChainFixture.address(try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: UInt8(nonce % 200 + 20), count: 32)))
                _ = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: nonce))
            }
            try await Self.produce(node)
        }
        try await block(2)
        try await block(1)
        // A client that saw blocks 1 and 2, then went away while 3…5 were made.
        let first = try await RPCTestClient.open(node, "/rpc/ws")
        let subscribed = try await first.subscribe("x", "txs", since: 0)
        #expect(subscribed.head == 2)
        var seen: [ChainSubscriptionFrame] = []
        for _ in 0..<3 { seen.append(try await first.frame()) }
        #expect(seen.map(\.height) == [1, 1, 2])
        await first.close()
        try await block(3)
        try await block(0)
        try await block(2)
        let again = try await RPCTestClient.open(node, "/rpc/ws")
        #expect(try await again.subscribe("y", "txs", since: seen.last?.height).head == 5)
        try await block(1)
        for _ in 0..<6 { seen.append(try await again.frame()) }
        #expect(seen.map(\.height) == [1, 1, 2, 3, 3, 3, 5, 5, 6])
        var all: [String] = []
        for _ in 0..<9 { all.append(try await continuous.next()) }
        let everyTx = try all.map { try TxView(bytes: Array($0.utf8)).txHash }
        #expect(seen.compactMap { $0.data["tx_hash"]?.stringValue } == everyTx.map(\.rawValue))
        // A bare endpoint with ?since=: the backfill, then live.
        let bare = try await RPCTestClient.open(node, "/rpc/ws/blocks?since=4")
        var heights: [Int64] = []
        for _ in 0..<2 { heights.append(try parseJSON(try await bare.next())["height"]?.int64Value ?? -1) }
        try await Self.produce(node)
        heights.append(try parseJSON(try await bare.next())["height"]?.int64Value ?? -1)
        #expect(heights == [5, 6, 7])
        for client in [continuous, again, bare] { await client.close() }
        await node.stop()
    }

    @Test func aBackfillWhileBlocksCommitHasNoGapAndNoDuplicate() async throws {
        let node = try await LiveChainNode.start()
        for _ in 0..<20 { try await Self.produce(node) }
        let producer = Task {
            for _ in 0..<40 { _ = try? await Self.produce(node) }
        }
        let rpc = try await RPCTestClient.open(node, "/rpc/ws")
        _ = try await rpc.subscribe("h", "heads", since: 3)
        var heights: [UInt64] = []
        while heights.last != 60 { heights.append(try await rpc.frame().height) }
        #expect(heights == Array(4...60))
        await producer.value
        await rpc.close()
        await node.stop()
    }

    @Test func badRequestsGetTheErrorEnvelopeWithTheirCode() async throws {
        var settings = WebSocketRPCSettings()
        settings.maxSubscriptions = 2
        settings.maxBackfillBlocks = 2
        let node = try await LiveChainNode.start(webSocket: settings)
        for _ in 0..<4 { try await Self.produce(node) }
        let rpc = try await RPCTestClient.open(node, "/rpc/ws")
        let address = ChainFixture.address(node.fixture.faucet).rawValue
        let cases: [(String, String?, String)] = [
            ("not json", nil, "INVALID_JSON"),
            (#"{"id":"1"}"#, "1", "INVALID_MESSAGE"),
            (#"{"op":"publish","id":"2"}"#, "2", "UNKNOWN_OP"),
            (#"{"op":"subscribe","id":"3","topic":"blocks"}"#, "3", "UNKNOWN_TOPIC"),
            (#"{"op":"subscribe","id":"4","topic":"accounts"}"#, "4", "INVALID_FILTER"),
            (#"{"op":"subscribe","id":"5","topic":"txs","filter":{"address":"ait1nope"}}"#, "5", "INVALID_FILTER"),
            (#"{"op":"subscribe","id":"6","topic":"heads","filter":{"x":1}}"#, "6", "INVALID_FILTER"),
            (#"{"op":"subscribe","id":"7","topic":"heads","since":"soon"}"#, "7", "INVALID_SINCE"),
            (#"{"op":"subscribe","id":"8","topic":"heads","extra":true}"#, "8", "INVALID_MESSAGE"),
            (#"{"op":"subscribe","id":"9","topic":"heads","since":0}"#, "9", "SINCE_TOO_OLD"),
            (#"{"op":"unsubscribe","id":"10","subscription":"s99"}"#, "10", "UNKNOWN_SUBSCRIPTION"),
        ]
        for (text, id, code) in cases {
            try rpc.connection.send(text: text)
            let answer = try await rpc.message()
            guard case .error(let error) = answer else {
                Issue.record("\(text) answered \(answer.json)")
                continue
            }
            #expect(error.code == code && error.id == id, "\(text) → \(error.code) \(String(describing: error.id))")
        }
        try rpc.connection.send(binary: [1, 2, 3])
        guard case .error(let binary) = try await rpc.message() else { throw TestFailure("binary message not refused") }
        #expect(binary.code == "INVALID_MESSAGE")
        let many: JSONValue = ["addresses": .array(Array(repeating: .string(address), count: 101))]
        try rpc.send(["op": "subscribe", "id": "m", "topic": "accounts", "filter": many])
        guard case .error(let tooMany) = try await rpc.message() else { throw TestFailure("101 addresses not refused") }
        #expect(tooMany.code == "INVALID_FILTER" && tooMany.details["field"] == "filter.addresses")
        // Two subscriptions at most (WS settings); unsubscribing frees one.
        let s1 = try await rpc.subscribe("a", "heads").subscription
        _ = try await rpc.subscribe("b", "heads")
        try rpc.send(["op": "subscribe", "id": "c", "topic": "heads"])
        guard case .error(let third) = try await rpc.message() else { throw TestFailure("a third subscription was taken") }
        #expect(third.code == "TOO_MANY_SUBSCRIPTIONS" && third.id == "c")
        try rpc.send(["op": "unsubscribe", "subscription": .string(s1)])
        guard case .unsubscribed(let gone) = try await rpc.message() else { throw TestFailure("no unsubscribed answer") }
        #expect(gone.subscription == s1)
        _ = try await rpc.subscribe("d", "heads", since: 3)
        // The connection stayed open through every refusal: the backfill of block 4 arrives.
        #expect(try await rpc.frame().height == 4)
        // A malformed ?since= is refused before the upgrade.
        #expect(try await node.client.get(node.base + "/rpc/ws/blocks?since=-1").status.code == 422)
        let tooOld = try await node.client.get(node.base + "/rpc/ws/transactions?since=1")
        #expect(tooOld.status.code == 400 && String(decoding: tooOld.body, as: UTF8.self).contains("SINCE_TOO_OLD"))
        await rpc.close()
        await node.stop()
    }

    @Test func aMissedPongClosesWith1011() async throws {
        var settings = WebSocketRPCSettings()
        settings.pingInterval = .milliseconds(200)
        let node = try await LiveChainNode.start(webSocket: settings)
        let silent = try RawWebSocketSubscriber(port: node.service.port ?? 0, path: "/rpc/ws/blocks")
        let outcome = await onOwnThread { Result { try silent.readUntilClose() } }
        let (_, pings, code, reason) = try outcome.get()
        #expect(pings >= 1 && code == 1011 && reason == "keepalive timeout")
        try silent.sendClose()
        await node.stop()
    }

    @Test func deflateIsUsedWhenOfferedAndFramesStayTheRESTBodies() async throws {
        let node = try await LiveChainNode.start()
        let compressed = try await RPCTestClient.open(node, "/rpc/ws", deflate: true)
        let bare = try await RPCTestClient.open(node, "/rpc/ws/blocks", deflate: true)
        let plain = try await RPCTestClient.open(node, "/rpc/ws/blocks")
        #expect(compressed.connection.deflate != nil && bare.connection.deflate != nil && plain.connection.deflate == nil)
        _ = try await compressed.subscribe("h", "heads")
        try await Self.produce(node)
        let body = try await Self.rest(node, "/rpc/blocks/1")
        #expect(dataBytes(of: try await compressed.next()) == body)
        #expect(Array(try await bare.next().utf8) == body)
        #expect(Array(try await plain.next().utf8) == body)
        for client in [compressed, bare, plain] { await client.close() }
        await node.stop()
    }

    @Test func connectionsPastTheLimitAre503() async throws {
        var settings = WebSocketRPCSettings()
        settings.maxConnections = 1
        let node = try await LiveChainNode.start(webSocket: settings)
        let first = try await RPCTestClient.open(node, "/rpc/ws/blocks")
        // The socket counts once its handler runs, just after the 101.
        while node.service.webSocketRPC.connectionCount < 1 { try await Task.sleep(for: .milliseconds(10)) }
        let refused = try await node.client.get(node.base + "/rpc/ws")
        #expect(refused.status.code == 503 && refused.headers["Retry-After"] != nil)
        await first.close()
        await node.stop()
    }

    @Test func theSDKSubscriptionResumesAfterADropWithoutMissingABlock() async throws {
        var settings = WebSocketRPCSettings()
        settings.maxConnections = 4
        let node = try await LiveChainNode.start(webSocket: settings)
        try await Self.produce(node)
        let client = ChainClient(configuration: ChainConfiguration(baseURL: node.base, chainID: "ait-test", backoffBase: .milliseconds(10)))
        var frames = client.subscribe(.heads, since: 0).makeAsyncIterator()
        #expect(try await frames.next()?.height == 1)
        // Every socket is dropped (as a restart of a proxy would); blocks keep coming.
        await node.service.webSocketRPC.disconnectAll(reason: "test")
        for _ in 0..<3 { try await Self.produce(node) }
        var heights: [UInt64] = []
        while heights.count < 3, let frame = try await frames.next() { heights.append(frame.height) }
        #expect(heights == [2, 3, 4])
        await node.stop()
    }
}
