import ChainNode
import Cryptography
import Foundation
import HTTP1
import JSON
import Ledger
import TestSupport
import Testing
import WebSocket
import WireModels

/// Spec N11 on the WebSocket RPC: one subscriber stops reading while 1,000 transactions a
/// second are published for 10 s. Heavy (it produces 100 blocks of 100 signed transfers in real
/// time), so scripts/test.sh runs it on its own after the other suites, like ChainCrashTests.
@Suite(.serialized) struct WebSocketRPCStallTests {
    static let blocks = 100
    static let perBlock = 100

    @Test func aStalledSubscriberIsClosedWith4008WhileTheOthersGetEverythingInOrder() async throws {
        var settings = WebSocketRPCSettings()
        settings.queueSize = 512
        settings.queueBytes = 1 << 20
        // Long enough for the stalled client to come back and read its close frame.
        settings.closeTimeout = .seconds(300)
        let node = try await LiveChainNode.start(webSocket: settings)
        let fixture = node.fixture
        let chain = node.service.chain
        let port = node.service.port ?? 0

        // The stalled one: a raw socket with a small receive buffer that reads the 101 and then nothing.
        let stalled = try RawWebSocketSubscriber(port: port, path: "/rpc/ws/transactions", receiveBuffer: 4_096)
        let status = await onOwnThread { Result { try stalled.readHandshake() } }
        #expect(try status.get().contains("101"))
        // Three that read as fast as frames come.
        var readers: [Task<[String], any Error>] = []
        for _ in 0..<3 {
            let client = try await RPCTestClient.open(node, "/rpc/ws/transactions")
            readers.append(Task {
                var ids: [String] = []
                while ids.count < Self.blocks * Self.perBlock {
                    ids.append(try parseJSON(try await client.next())["tx_hash"]?.stringValue ?? "")
                }
                await client.close()
                return ids
            })
        }
        while node.service.webSocketRPC.connectionCount < 4 { try await Task.sleep(for: .milliseconds(10)) }

        let bob = ChainFixture.address(try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 7, count: 32)))
        var transfers: [TransactionMessage] = []
        for nonce in 1...UInt64(Self.blocks * Self.perBlock) {
            transfers.append(try fixture.transfer(from: fixture.faucet, to: bob, amount: 1, nonce: nonce))
        }
        // 1,000 messages a second for 10 s: a block of 100 transfers every 100 ms.
        var included: [[String]] = []
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<Self.blocks {
            let batch = transfers[(index * Self.perBlock)..<((index + 1) * Self.perBlock)].map { Result<TransactionMessage, WireDecodingError>.success($0) }
            let outcomes = await chain.submit(batch: Array(batch))
            #expect(outcomes.allSatisfy { (try? $0.get()) != nil })
            let produced = try await chain.produceBlock(timeMilliseconds: 1_800_000_000_000 + UInt64(index + 1) * 100)
            included.append(produced.included.map(\.rawValue))
            try await clock.sleep(until: start + .milliseconds(100 * (index + 1)))
        }
        let expected = included.flatMap { $0 }
        #expect(expected.count == Self.blocks * Self.perBlock)

        // Every other subscriber got every message, in order, while the stalled one read nothing.
        for reader in readers { #expect(try await reader.value == expected) }
        // The node's queue for a socket never went past its limits (plus control-frame room).
        let peak = node.service.webSocketRPC.peakQueue
        #expect(peak.frames <= settings.queueSize + 8 && peak.bytes <= settings.queueBytes + 8 * 127)

        // The stalled one, reading again: whole blocks up to h, then 4008 resume_since=h.
        let outcome = await onOwnThread { Result { try stalled.readUntilClose() } }
        let (texts, _, code, reason) = try outcome.get()
        try stalled.sendClose()
        #expect(code == 4008)
        let resume = try #require(UInt64(reason.dropFirst("resume_since=".count)), "reason \(reason)")
        #expect(reason.hasPrefix("resume_since=") && resume < UInt64(Self.blocks))
        let received = try texts.map { try parseJSON($0)["tx_hash"]?.stringValue ?? "" }
        #expect(received == Array(expected.prefix(Int(resume) * Self.perBlock)))

        // Resuming with since=h gives exactly the rest.
        let resumed = try await RPCTestClient.open(node, "/rpc/ws/transactions?since=\(resume)")
        var rest: [String] = []
        while rest.count < expected.count - received.count {
            rest.append(try parseJSON(try await resumed.next())["tx_hash"]?.stringValue ?? "")
        }
        #expect(received + rest == expected)
        await resumed.close()
        await node.stop()
    }
}
