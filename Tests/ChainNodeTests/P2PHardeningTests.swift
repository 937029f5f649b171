@testable import ChainNode
import Cryptography
import Foundation
import Glibc
import HTTP1
import HTTPClient
import JSON
import Ledger
import MetricsTestKit
import ServiceRuntime
import Sockets
import Synchronization
import Testing
import WebSocket

/// Issue 14's black-box findings against the network: a silent peer holding a `MAX_PEERS` slot
/// (MEDIUM-2), an unbounded peer table (LOW-1) and a shutdown that waited on every dial (MEDIUM-3).
@Suite struct P2PHardeningTests {
    /// Short heartbeat and idle timeout, so the tests take seconds, not half a minute (10 heartbeats per timeout: a loaded machine never drops an honest peer).
    static func short(_ settings: inout P2PSettings) {
        settings.statusInterval = .milliseconds(200)
        settings.idleTimeout = .seconds(2)
    }

    @Test func aSilentPeerIsDroppedAsIdleAndAnHonestOneTakesItsSlotAndStays() async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "node", authority: true, clock: IdleClock()) { settings in
            Self.short(&settings)
            settings.maxPeers = 1
        }
        let silent = try await RawP2PPeer(address: node.address)
        #expect(try await silent.handshake(fixture.genesis) != nil)
        // It reads everything (its transport would answer pings) but never sends a frame.
        #expect(await silent.receive(type: "none", timeout: .seconds(30)) == nil)
        #expect(silent.connection.isClosed)
        #expect(await eventuallyAsync { node.metrics.counterTotal(label: "p2p_peers_dropped_total", dimensions: [("reason", "idle")]) == 1 })
        #expect(await eventuallyAsync { node.p2p.connectedPeers.isEmpty })

        // The slot is free again: an honest node connects, and its heartbeat keeps it connected
        // though no head moves (IdleClock: no blocks), long past the idle timeout.
        let honest = try await P2PTestNode.start(fixture, name: "honest", authority: false, bootstrap: [node.address], clock: IdleClock()) {
            Self.short(&$0)
        }
        #expect(await eventuallyAsync { node.p2p.connectedPeers.map(\.keyHex) == [honest.p2p.nodeKeyHex] })
        let serial = node.p2p.connectedPeers.first?.serial
        #expect(await eventuallyAsync { node.metrics.counterTotal(label: "p2p_messages_received_total", dimensions: [("type", "status")]) >= 15 })
        #expect(await eventuallyAsync { honest.metrics.counterTotal(label: "p2p_messages_received_total", dimensions: [("type", "status")]) >= 15 })
        #expect(node.p2p.connectedPeers.map(\.serial) == [serial])
        #expect(node.metrics.counterTotal(label: "p2p_peers_dropped_total", dimensions: [("reason", "idle")]) == 1)
        #expect(honest.metrics.counterTotal(label: "p2p_peers_dropped_total", dimensions: [("reason", "idle")]) == 0)
        await honest.stop()
        await node.stop()
    }

    @Test func theIdleTimeoutMustExceedTwoHeartbeats() throws {
        let reader = ConfigurationReader(flags: ["P2P_STATUS_INTERVAL_SECONDS": "10", "P2P_IDLE_TIMEOUT_SECONDS": "20"], dotEnv: [:])
        #expect(throws: ConfigurationError.self) { try P2PSettings(reader: reader, dataDirectory: "/tmp") }
        let fine = try P2PSettings(
            reader: ConfigurationReader(flags: ["P2P_STATUS_INTERVAL_SECONDS": "5", "P2P_IDLE_TIMEOUT_SECONDS": "11"], dotEnv: [:]), dataDirectory: "/tmp")
        #expect(fine.statusInterval == .seconds(5) && fine.idleTimeout == .seconds(11))
        let small = ConfigurationReader(flags: ["MAX_PEERS": "64", "MAX_KNOWN_PEERS": "32"], dotEnv: [:])
        #expect(throws: ConfigurationError.self) { try P2PSettings(reader: small, dataDirectory: "/tmp") }
    }

    @Test func makingRoomForgetsTheLeastRecentlySeenPlainRowsThenBannedOnesNeverBootstrapAdminOrConnected() {
        func row(_ key: String, source: String, seen: UInt64, bannedUntil: UInt64 = 0) -> PeerRecord {
            PeerRecord(
                nodeKey: key, address: nil, direction: .inbound, score: 0, lastSeenMilliseconds: seen, bannedUntilMilliseconds: bannedUntil,
                banReason: nil, source: source)
        }
        var state = P2PNode.State()
        for record in [
            row("bootstrap", source: "bootstrap", seen: 0), row("admin", source: "admin", seen: 0), row("banned", source: "inbound", seen: 1, bannedUntil: 100),
            row("newer", source: "inbound", seen: 5), row("older", source: "known", seen: 3),
        ] { state.records[record.nodeKey] = record }
        #expect(P2PNode.makeRoom(&state, for: 0, cap: 5, now: 10) == [])
        // More than can be forgotten: nothing goes.
        #expect(P2PNode.makeRoom(&state, for: 4, cap: 5, now: 10) == nil)
        #expect(state.records.count == 5)
        #expect(P2PNode.makeRoom(&state, for: 3, cap: 5, now: 10)?.map(\.nodeKey) == ["older", "newer", "banned"])
        #expect(Set(state.records.keys) == ["bootstrap", "admin"])
    }

    @Test func thePeerTableStaysUnderItsCapAndAnAdminAddBeyondItIsRefused() async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "node", authority: false, clock: SteppingClock()) { settings in
            settings.maxKnownPeers = 3
        }
        func listed() async throws -> [JSONValue] { try await node.get("/p2p/peers").1["peers"]?.arrayValue ?? [] }
        // Three inbound peers come and go, then a fourth stays: the least recently seen goes.
        var keys: [String] = []
        var staying: RawP2PPeer?
        for index in 0..<4 {
            let peer = try await RawP2PPeer(address: node.address)
            #expect(try await peer.handshake(fixture.genesis) != nil)
            keys.append(peer.key.publicKey.hex)
            #expect(await eventuallyAsync { try await listed().contains { $0["node_key"]?.stringValue == keys[index] && $0["connected"] == true } })
            if index < 3 {
                await peer.close()
                #expect(await eventuallyAsync { node.p2p.connectedPeers.isEmpty })
            } else {
                staying = peer
            }
        }
        #expect(await eventuallyAsync { try await Set(listed().compactMap { $0["node_key"]?.stringValue }) == Set(keys.suffix(3)) })

        func add(_ port: Int) async throws -> HTTPClientResponse {
            try await node.client.post(
                node.base + "/admin/peers/add", json: ["address": .string("ws://127.0.0.1:\(port)/p2p")],
                headers: ["Authorization": "Bearer \(LiveChainNode.adminToken)"])
        }
        // Admin rows push out the disconnected inbound ones, never the connected peer …
        #expect(try await add(1).status.code == 202)
        #expect(try await add(2).status.code == 202)
        // … and once only admin rows and connected peers are left, the table is full.
        let refused = try await add(3)
        #expect(refused.status.code == 409)
        let body = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(refused.body)
        #expect(body["error"]?["code"]?.stringValue == "PEER_TABLE_FULL")
        let rows = try await listed()
        #expect(rows.count == 3)
        #expect(rows.contains { $0["node_key"]?.stringValue == keys[3] })
        #expect(try await node.p2p.peerStore.all().count == 3)
        await staying?.close()
        await node.stop()
    }

    @Test func peersListsAtMostAThousandRows() async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "node", authority: false, clock: IdleClock()) { $0.maxKnownPeers = 5_000 }
        node.p2p.state.withLock { state in
            for index in 0..<1_200 {
                let key = String(format: "%064x", index)
                state.records[key] = PeerRecord(
                    nodeKey: key, address: nil, direction: .inbound, score: 0, lastSeenMilliseconds: UInt64(index), bannedUntilMilliseconds: 0,
                    banReason: nil, source: "inbound")
            }
        }
        let rows = try await node.get("/p2p/peers").1["peers"]?.arrayValue ?? []
        #expect(rows.count == 1_000)
        // The most recently seen are kept.
        #expect(rows.first?["node_key"]?.stringValue == String(format: "%064x", 200))
        await node.stop()
    }

    @Test func aNodeWithManyBlackHolePeersShutsDownInSeconds() async throws {
        // Listening sockets that never accept: the TCP connect succeeds, the upgrade is never answered.
        let holes = try (0..<200).map { _ in try SocketDescriptor.listen(on: try SocketAddress(host: "127.0.0.1", port: 0), backlog: 8) }
        defer { for hole in holes { hole.close() } }
        let fixture = try P2PTestNode.fixture()
        // A long handshake deadline: the client's upgrade read would wait this long.
        let node = try await P2PTestNode.start(fixture, name: "node", authority: false, clock: IdleClock()) { $0.handshakeTimeout = .seconds(120) }
        for hole in holes { try await node.p2p.add(address: "ws://127.0.0.1:\(try hole.localAddress().port)/p2p") }
        // Every dial is connected and waiting for its upgrade answer.
        #expect(await eventuallyAsync {
            holes.allSatisfy { hole in
                var poller = pollfd(fd: hole.rawValue, events: Int16(POLLIN), revents: 0)
                return poll(&poller, 1, 0) == 1
            }
        })
        let started = ContinuousClock.now
        await node.stop()
        let elapsed = ContinuousClock.now - started
        // Far below one handshake deadline (the old shutdown awaited every dialer in turn).
        #expect(elapsed < .seconds(30), "shutdown took \(elapsed)")
    }
}

/// A clock that moves 1 ms each time it is read, so every "last seen" differs and orders.
final class SteppingClock: ChainClock {
    private let now = Atomic<UInt64>(1_700_000_000_000)
    func nowMilliseconds() -> UInt64 { now.wrappingAdd(1, ordering: .relaxed).newValue }
    func sleep(milliseconds: UInt64) async throws { try await Task.sleep(for: .milliseconds(Int64(clamping: milliseconds))) }
}
