@testable import ChainNode
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import Logging
import MetricsTestKit
import TestSupport
import Synchronization
import Testing
import WebSocket
import WireModels

/// Gossip rules one node at a time: dedupe, the slow-peer policy, and bans for bad blocks.
@Suite struct P2PGossipTests {
    @Test func theSeenSetDedupesAndForgetsTheOldestFirst() {
        var seen = SeenCache(capacity: 3)
        let inserted = [[1], [1], [2], [3], [4]].map { seen.insert($0) }
        #expect(inserted == [true, false, true, true, true])
        #expect(!seen.contains([1]))
        #expect(seen.contains([2]) && seen.contains([3]) && seen.contains([4]))
        #expect(seen.count == 3)
    }

    @Test func aTransactionGossipedTwiceIsAdmittedOnceAndCountedAsADuplicate() async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "node", authority: true, clock: IdleClock())
        let peer = try await RawP2PPeer(address: node.address)
        _ = try await peer.handshake(fixture.genesis)
        let tx = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(fixture.coordinator), amount: 5, nonce: 1)
        try peer.send(P2PMessage.txs([tx.json]).json)
        #expect(await eventuallyAsync { node.chain.mempoolCount == 1 })
        try peer.send(P2PMessage.txs([tx.json]).json)
        #expect(await eventuallyAsync { node.metrics.counterTotal(label: "gossip_duplicates_total", dimensions: [("topic", "txs")]) == 1 })
        #expect(node.chain.mempoolCount == 1)
        await peer.close()
        await node.stop()
    }

    @Test func aSlowPeerIsClosedAndCountedWhileAnotherGetsEveryFrame() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        var settings = P2PSettings()
        settings.nodeKey = .generate()
        settings.queueSize = 16
        settings.queueBytes = 1 << 20
        let metrics = TestMetrics()
        let node = try P2PNode(chain: chain, settings: settings, metrics: P2PMetrics(factory: metrics), logger: Logger(label: "slow"))
        func peer(_ serial: UInt64, _ stream: InMemoryByteStream) throws -> Peer {
            Peer(
                serial: serial, nodeKey: Ed25519.PrivateKey.generate().publicKey.rawRepresentation, direction: .inbound, remoteAddress: "test",
                listen: nil, head: PeerHead(height: 0, hash: []),
                connection: try WebSocketConnection(stream: stream, role: .server, configuration: node.webSocketConfiguration), nowMilliseconds: 0)
        }
        // The slow peer's socket takes 1 KiB and is never read; the fast one is read as it comes.
        let (slowEnd, _) = InMemoryByteStream.makePair(capacity: 1 << 10)
        let (fastEnd, fastRemote) = InMemoryByteStream.makePair()
        let slow = try peer(1, slowEnd)
        let fast = try peer(2, fastEnd)
        let reader = try WebSocketConnection(stream: fastRemote, role: .client)
        let frames = 200
        let received = Task {
            var count = 0
            while count < frames, (try? await reader.receive()) != nil { count += 1 }
            return count
        }
        var acceptedBySlow = 0
        for height in 0..<frames {
            let message = P2PMessage.status(head: PeerHead(height: UInt64(height), hash: [UInt8](repeating: 0, count: 32)))
            if node.send(message, to: slow, topic: "status") { acceptedBySlow += 1 }
            #expect(node.send(message, to: fast, topic: "status"))
            // A consumer that keeps up: the fast queue never holds more than a few frames.
            while fast.queued > 4 { try await Task.sleep(for: .milliseconds(1)) }
        }
        #expect(await received.value == frames)
        #expect(acceptedBySlow < frames)
        #expect(metrics.counterTotal(label: "p2p_peers_dropped_total", dimensions: [("reason", "slow")]) == 1)
        #expect(metrics.counterTotal(label: "gossip_dropped_total", dimensions: [("topic", "status")]) == 1)
    }

    /// Block 1 of a two-authority genesis, made by a scratch chain of the authority scheduled for it.
    static func honestBlockOne(_ fixture: ChainFixture, scheduled: Ed25519.PrivateKey) async throws -> FullBlock {
        let scratch = try TemporaryDirectory(prefix: "p2p-scratch")
        let chain = try await Chain.open(
            path: scratch.path("chain.db"), genesis: fixture.genesis, proposerKey: scheduled, logger: Logger(label: "scratch"))
        let produced = try await chain.produceBlock(timeMilliseconds: fixture.genesis.genesisHeader.timeMilliseconds + 1_000)
        return produced.block.fullBlock(txs: [])
    }

    /// `block` re-signed by `key` with `key` as its proposer.
    static func resigned(_ block: FullBlock, by key: Ed25519.PrivateKey, signer: Ed25519.PrivateKey? = nil) throws -> FullBlock {
        var (header, _) = try block.header()
        header.proposerKey = key.publicKey.rawRepresentation
        let signature = header.sign(with: signer ?? key)
        return StoredBlock(header: header, signature: signature, txCount: 0, supply: 0).fullBlock(txs: [])
    }

    enum BadBlock: String, CaseIterable, Sendable {
        /// Signed by someone other than its proposer.
        case forged
        /// A genesis authority, but not the one scheduled for the height.
        case wrongSlot
    }

    @Test(arguments: BadBlock.allCases)
    func aBadBlockBansItsSenderAndTheHonestBlockStillGetsIn(_ kind: BadBlock) async throws {
        let second = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 9, count: 32))
        let fixture = try P2PTestNode.fixture(authorities: [second])
        // A follower (no key) that produces nothing; block 1 is the second authority's slot.
        let node = try await P2PTestNode.start(fixture, name: "follower", authority: false, clock: IdleClock())
        let honest = try await Self.honestBlockOne(fixture, scheduled: second)
        let bad = switch kind {
        case .forged: try Self.resigned(honest, by: second, signer: .generate())
        case .wrongSlot: try Self.resigned(honest, by: fixture.authority)
        }
        let attacker = try await RawP2PPeer(address: node.address)
        _ = try await attacker.handshake(fixture.genesis)
        try attacker.send(P2PMessage.block(bad.json).json)
        #expect(await attacker.errorCode() == "banned")
        #expect(node.chain.head.height == 0)
        let reason = kind == .forged ? "bad_signature" : "not_scheduled"
        #expect(await eventuallyAsync { node.metrics.counterTotal(label: "p2p_peer_bans_total", dimensions: [("reason", "bad_block")]) == 1 })
        #expect(node.metrics.counterTotal(label: "blocks_rejected_total", dimensions: [("reason", reason)]) == 1)
        // Banned across reconnects: the handshake is refused.
        let again = try await RawP2PPeer(address: node.address, key: attacker.key)
        try again.send(again.hello(fixture.genesis))
        #expect(await again.errorCode() == "banned")
        let (_, peers) = try await node.get("/p2p/peers")
        let row = peers["peers"]?.arrayValue?.first { $0["node_key"]?.stringValue == attacker.key.publicKey.hex }
        #expect(row?["banned_until"]?.stringValue != nil)
        // An honest peer's copy is imported: the bad one did not poison the dedupe set.
        let honestPeer = try await RawP2PPeer(address: node.address)
        _ = try await honestPeer.handshake(fixture.genesis)
        try honestPeer.send(P2PMessage.block(honest.json).json)
        #expect(await eventuallyAsync { node.chain.head.height == 1 })
        #expect(node.chain.head.hash == honest.hash)
        await honestPeer.close()
        await node.stop()
    }
}

/// What the black-box review of the network found, each fixed under a test: a peer that claims
/// a head it never serves, gossiped transactions that were made up, and unlinked blocks nobody
/// signed (each made the node work for, or wait on, its sender).
@Suite struct P2PAbuseTests {
    @Test func aPeerThatClaimsAHeadItNeverServesIsDroppedAfterThreeTimeouts() async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "follower", authority: false, clock: IdleClock()) { settings in
            settings.requestTimeout = .milliseconds(200)
        }
        let liar = try await RawP2PPeer(address: node.address)
        _ = try await liar.handshake(fixture.genesis, headHeight: 1_000_000_000)
        // It never answers get_blocks: three timeouts, then it is closed with a reason.
        #expect(await liar.errorCode() == "unresponsive")
        #expect(node.metrics.counterTotal(label: "p2p_peers_dropped_total", dimensions: [("reason", "unresponsive")]) == 1)
        #expect(await eventuallyAsync { node.p2p.bestPeerHead == nil })
        // The sync pass ends once it has nobody to ask.
        #expect(await eventuallyAsync { try await node.get("/rpc/syncStatus").1["syncing"]?.boolValue == false })
        await node.stop()
    }

    @Test func aPeerGossipingAForgedTransactionIsBannedAndNothingIsAdmitted() async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "node", authority: true, clock: IdleClock())
        var forged = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(.generate()), amount: 5, nonce: 1)
        forged.payload = .transfer(to: ChainFixture.address(.generate()), amount: 500)  // altered after signing
        let peer = try await RawP2PPeer(address: node.address)
        _ = try await peer.handshake(fixture.genesis)
        try peer.send(P2PMessage.txs([forged.json]).json)
        #expect(await peer.errorCode() == "banned")
        #expect(node.chain.mempoolCount == 0)
        #expect(node.metrics.counterTotal(label: "p2p_peer_bans_total", dimensions: [("reason", "bad_tx")]) == 1)
        await node.stop()
    }

    @Test func anUnlinkedBlockNoAuthoritySignedBansItsSenderWithoutAFetch() async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "node", authority: false, clock: IdleClock())
        let signer = Ed25519.PrivateKey.generate()
        let header = BlockHeader(
            chainID: fixture.genesis.chainID, height: 100_000, parentHash: [UInt8](repeating: 4, count: 32), timeMilliseconds: 5,
            proposerKey: signer.publicKey.rawRepresentation, txRoot: Merkle.root(leaves: []), stateRoot: [UInt8](repeating: 0, count: 32),
            receiptsRoot: Merkle.root(leaves: []))
        let block = StoredBlock(header: header, signature: header.sign(with: signer), txCount: 0, supply: 0).fullBlock(txs: [])
        let peer = try await RawP2PPeer(address: node.address)
        _ = try await peer.handshake(fixture.genesis)
        try peer.send(P2PMessage.block(block.json).json)
        // Banned at once: no get_blocks was sent to it first (frames read until the error, with
        // a deadline: status heartbeats keep coming).
        let frames = Mutex<[String]>([])
        let error = await peer.receive(type: "error", timeout: .seconds(30)) { type in frames.withLock { $0.append(type) } }
        #expect(error?["code"]?.stringValue == "banned")
        #expect(!frames.withLock { $0 }.contains("get_blocks"), "\(frames.withLock { $0 })")
        #expect(node.metrics.counterTotal(label: "p2p_peer_bans_total", dimensions: [("reason", "forged_header")]) == 1)
        await node.stop()
    }
}
