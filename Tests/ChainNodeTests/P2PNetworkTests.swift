@testable import ChainNode
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import MetricsTestKit
import Logging
import Testing
import WireModels

/// Several nodes in this process over loopback: gossip, forwarding and range sync.
@Suite(.serialized) struct P2PNetworkTests {
    /// Whether every node holds the same block at each height 1…`height`.
    static func agree(_ nodes: [P2PTestNode], through height: UInt64) async throws -> Bool {
        for h in 1...height {
            let hashes = try await nodes.asyncMap { try await $0.hash(at: h) }
            guard let first = hashes.first, first != nil, hashes.allSatisfy({ $0 == first }) else { return false }
        }
        return true
    }

    @Test func followersConvergeThroughForwardingAndATransactionSentToOneIsIncludedEverywhere() async throws {
        let fixture = try P2PTestNode.fixture(blockTimeMilliseconds: 100)
        let authority = try await P2PTestNode.start(fixture, name: "authority", authority: true)
        let first = try await P2PTestNode.start(fixture, name: "first", authority: false, bootstrap: [authority.address])
        // The second follower knows only the first: everything it gets was forwarded.
        let second = try await P2PTestNode.start(fixture, name: "second", authority: false, bootstrap: [first.address])
        let nodes = [authority, first, second]
        #expect(await eventuallyAsync { nodes.allSatisfy { $0.chain.head.height >= 10 } })
        #expect(try await Self.agree(nodes, through: 10))

        let recipient = Address(publicKey: Ed25519.PrivateKey.generate().publicKey)
        let tx = try fixture.transfer(from: fixture.faucet, to: recipient, amount: 1_234, nonce: 1)
        let id = try tx.transactionID()
        _ = try await second.chain.submit(tx)
        for node in nodes {
            #expect(await eventuallyAsync { (try? await node.chain.transaction(id))?.status == .included })
        }
        for node in nodes {
            #expect(try await node.chain.account(recipient).balance == 1_234)
        }
        let (code, status) = try await second.get("/rpc/syncStatus")
        #expect(code == 200)
        #expect(status["peers"] == 1)
        // Caught up within two blocks of its best peer; with short block times on a loaded
        // machine it can be further behind for a moment.
        #expect(await eventuallyAsync { (try? await second.get("/readyz").0) == 200 })
        for node in nodes.reversed() { await node.stop() }
    }

    @Test func aLateJoinerRangeSyncsFromSeveralPeersThenFollowsGossip() async throws {
        let fixture = try P2PTestNode.fixture(blockTimeMilliseconds: 100)
        let authority = try await P2PTestNode.start(fixture, name: "authority", authority: true, clock: IdleClock())
        // 300 blocks before anyone else joins, at past times (the producer is stopped).
        let start = fixture.genesis.genesisHeader.timeMilliseconds
        for index in 1...300 { _ = try await authority.chain.produceBlock(timeMilliseconds: start + UInt64(index)) }
        let mirror = try await P2PTestNode.start(fixture, name: "mirror", authority: false, bootstrap: [authority.address])
        #expect(await eventuallyAsync { mirror.chain.head.height == 300 })
        let late = try await P2PTestNode.start(fixture, name: "late", authority: false, bootstrap: [authority.address, mirror.address]) {
            (settings: inout P2PSettings) in
            settings.syncBatch = 16
            settings.syncParallel = 4
        }
        #expect(await eventuallyAsync { late.chain.head.height == 300 })
        #expect(late.metrics.counterTotal(label: "chain_sync_blocks_imported_total") == 300)
        #expect(try await Self.agree([authority, mirror, late], through: 300))
        // Then gossip: a new block reaches it without a sync pass.
        _ = try await authority.chain.produceBlock(timeMilliseconds: start + 301)
        #expect(await eventuallyAsync { late.chain.head.height == 301 })
        #expect(await eventuallyAsync {
            let (_, status) = try await late.get("/rpc/syncStatus")
            return status["syncing"] == false && status["best_peer_head"] == 301
        })
        #expect(try await late.get("/readyz").0 == 200)
        for node in [late, mirror, authority] { await node.stop() }
    }

    @Test func aFollowerWithPeersConfiguredButNoneConnectedIsNotReady() async throws {
        let fixture = try P2PTestNode.fixture()
        let lonely = try await P2PTestNode.start(fixture, name: "lonely", authority: false, bootstrap: ["ws://127.0.0.1:1/p2p"], clock: IdleClock())
        let (code, body) = try await lonely.get("/readyz")
        #expect(code == 503)
        #expect(body["checks"]?.arrayValue?.contains { $0["name"] == "sync" && $0["ok"] == false } == true)
        let (_, status) = try await lonely.get("/rpc/syncStatus")
        #expect(status["best_peer_head"] == .null)
        #expect(status["peers"] == 0)
        await lonely.stop()
        // An authority with no peers is ready.
        let alone = try await P2PTestNode.start(fixture, name: "alone", authority: true, clock: IdleClock())
        #expect(try await alone.get("/readyz").0 == 200)
        await alone.stop()
    }

    @Test func twoAuthoritiesThatForkedWhileApartConvergeOnTheBranchWithTheEarlierSlot() async throws {
        let second = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 9, count: 32))
        let fixture = try P2PTestNode.fixture(blockTimeMilliseconds: 100, authorities: [second])
        let first = try await P2PTestNode.start(fixture, name: "first", authority: true, clock: IdleClock())
        let other = try await P2PTestNode.start(fixture, name: "other", authority: true, proposer: second, clock: IdleClock())
        let genesisTime = fixture.genesis.genesisHeader.timeMilliseconds
        // Height 1 is the second authority's slot; the first takes it one slot (200 ms) later.
        let late = try await first.chain.produceBlock(timeMilliseconds: genesisTime + 300)
        let onTime = try await other.chain.produceBlock(timeMilliseconds: genesisTime + 100)
        #expect(late.block.hash != onTime.block.hash)
        try await first.p2p.add(address: other.address)
        #expect(await eventuallyAsync { first.p2p.connectedPeers.count == 1 && other.p2p.connectedPeers.count == 1 })
        // The next block on the other branch does not link to the first node's head.
        _ = try await other.chain.produceBlock(timeMilliseconds: onTime.block.header.timeMilliseconds + 300)
        #expect(await eventuallyAsync { first.chain.head.height == 2 })
        #expect(try await first.hash(at: 1) == onTime.block.hash)
        #expect(first.metrics.counterTotal(label: "p2p_unlinked_blocks_total") >= 1)
        #expect(first.metrics.counterTotal(label: "chain_reorgs_total") == 1)
        await first.stop()
        await other.stop()
    }

    @Test func anAddedPeerIsDialledAndRemembered() async throws {
        let fixture = try P2PTestNode.fixture()
        let authority = try await P2PTestNode.start(fixture, name: "authority", authority: true, clock: IdleClock())
        let follower = try await P2PTestNode.start(fixture, name: "follower", authority: false, clock: IdleClock())
        let unauthorized = try await follower.client.post(follower.base + "/admin/peers/add", json: ["address": .string(authority.address)])
        #expect(unauthorized.status.code == 401)
        let added = try await follower.client.post(
            follower.base + "/admin/peers/add", json: ["address": .string(authority.address)],
            headers: ["Authorization": "Bearer \(LiveChainNode.adminToken)"])
        #expect(added.status.code == 202)
        let body = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(added.body)
        #expect(body["status"] == "dialing")
        #expect(await eventuallyAsync {
            let (_, peers) = try await follower.get("/p2p/peers")
            return peers["peers"]?.arrayValue?.contains { $0["connected"] == true && $0["node_key"]?.stringValue == authority.p2p.nodeKeyHex } == true
        })
        let records = try await PeerStore(database: follower.chain.store.database).all()
        #expect(records.contains { $0.nodeKey == authority.p2p.nodeKeyHex && $0.address == authority.address && $0.source == "admin" })
        await follower.stop()
        await authority.stop()
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
