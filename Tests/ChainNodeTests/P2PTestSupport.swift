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
import WebSocket
import WireModels

/// Waits until `condition` holds (polling every 20 ms) or `timeout` passes; returns whether it
/// held (a throw counts as not yet). The bound only costs time when something is broken.
@discardableResult
func eventuallyAsync(timeout: Duration = .seconds(45), _ condition: () async throws -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return (try? await condition()) == true
}

/// A chain node in this process with P2P on a loopback port of its own.
struct P2PTestNode {
    let service: ChainNodeService
    let client = HTTPClient()
    let metrics: TestMetrics
    var chain: Chain { service.chain }
    var p2p: P2PNode { service.p2p! }
    var address: String { "ws://127.0.0.1:\(service.p2p?.port ?? 0)/p2p" }
    var base: String { "http://127.0.0.1:\(service.port ?? 0)" }

    /// A fixture whose genesis is in the past, so the wall-clock proposer starts at once.
    static func fixture(blockTimeMilliseconds: UInt64 = 100, authorities extra: [Ed25519.PrivateKey] = []) throws -> ChainFixture {
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = blockTimeMilliseconds
        return try ChainFixture(parameters: parameters, timestamp: UInt64(Date().timeIntervalSince1970) - 10, extraAuthorities: extra)
    }

    static func start(
        _ fixture: ChainFixture, name: String, authority: Bool, proposer: Ed25519.PrivateKey? = nil, bootstrap: [String] = [],
        clock: any ChainClock = SystemChainClock(),
        configure: (inout P2PSettings) -> Void = { _ in }
    ) async throws -> P2PTestNode {
        var configuration = ChainNodeConfiguration(
            genesis: fixture.genesis, databasePath: fixture.directory.path("\(name).db"), proposerKey: proposer ?? (authority ? fixture.authority : nil))
        configuration.adminToken = LiveChainNode.adminToken
        configuration.sendRatePerSecond = 1_000_000
        configuration.sendBurst = 1_000_000
        configuration.p2p.enabled = true
        configuration.p2p.port = 0
        configuration.p2p.nodeKey = .generate()
        configuration.p2p.bootstrapPeers = bootstrap
        configure(&configuration.p2p)
        let metrics = TestMetrics()
        let chain = try await Chain.open(
            path: configuration.databasePath, genesis: fixture.genesis, proposerKey: configuration.proposerKey, metrics: ChainMetrics(factory: metrics),
            logger: Logger(label: name))
        let service = try ChainNodeService(
            chain: chain, configuration: configuration, clock: clock, p2pMetrics: P2PMetrics(factory: metrics), logger: Logger(label: name))
        try await service.start()
        return P2PTestNode(service: service, metrics: metrics)
    }

    func get(_ path: String) async throws -> (Int, JSONValue) {
        let response = try await client.get(base + path)
        return (response.status.code, (try? JSONParser(limits: .init(maxInputBytes: 16 << 20)).parse(response.body)) ?? .null)
    }

    func stop() async {
        await service.shutdown()
        await client.shutdown()
    }

    /// The hash of our block at `height`, nil when we do not hold it.
    func hash(at height: UInt64) async throws -> BlockHash? {
        try await chain.store.block(height: height)?.0.hash
    }
}

/// A hand-driven P2P peer: a raw WebSocket to a node's `/p2p`, speaking the frames itself, so
/// tests can send what an honest node never would.
final class RawP2PPeer: Sendable {
    let connection: WebSocketConnection
    let key: Ed25519.PrivateKey
    let nonce: [UInt8]

    init(address: String, key: Ed25519.PrivateKey = .generate()) async throws {
        connection = try await WebSocketClient.connect(
            url: address, configuration: WebSocketConfiguration(maxFrameSize: 16 << 20, maxMessageSize: 16 << 20, closeTimeout: .seconds(2)))
        self.key = key
        nonce = (0..<32).map { _ in UInt8.random(in: 0...255) }
    }

    func send(_ json: JSONValue) throws {
        try connection.send(text: String(decoding: try JSONSerializer().serialize(json), as: UTF8.self))
    }

    /// The next frame as JSON; nil once the connection closed.
    func receive() async -> JSONValue? {
        guard case .text(let text)? = try? await connection.receive() else { return nil }
        return try? JSONParser(limits: .init(maxInputBytes: 16 << 20)).parse(text)
    }

    /// The next frame of `type`, skipping others; nil once the connection closed or after
    /// `timeout` (the node sends status frames all the time: without a deadline a frame that
    /// never comes would hang the test).
    func receive(type: String, timeout: Duration = .seconds(30), skipped: @escaping @Sendable (String) -> Void = { _ in }) async -> JSONValue? {
        let connection = connection
        return await withTaskGroup(of: JSONValue?.self) { group in
            group.addTask {
                while let frame = await self.receive() {
                    if frame["type"]?.stringValue == type { return frame }
                    skipped(frame["type"]?.stringValue ?? "")
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if first == nil { await connection.close() }
            return first
        }
    }

    /// Our hello for `genesis`, with overrides for the refusal tests.
    func hello(_ genesis: GenesisDocument, chainID: String? = nil, genesisHash: [UInt8]? = nil, nodeKey: [UInt8]? = nil, protocolVersion: Int = P2PHello.protocolVersion, nonce: [UInt8]? = nil, headHeight: UInt64 = 0) -> JSONValue {
        P2PMessage.hello(P2PHello(
            protocolVersion: protocolVersion, chainID: chainID ?? genesis.chainID, genesisHash: genesisHash ?? genesis.genesisHeader.hash,
            nodeKey: nodeKey ?? key.publicKey.rawRepresentation, nonce: nonce ?? self.nonce, head: PeerHead(height: headHeight, hash: genesis.genesisHeader.hash),
            listen: nil)).json
    }

    /// A complete handshake as an honest peer; returns the node's hello.
    func handshake(_ genesis: GenesisDocument, headHeight: UInt64 = 0) async throws -> JSONValue? {
        try send(hello(genesis, headHeight: headHeight))
        guard let theirs = await receive(type: "hello"), let nonceHex = theirs["nonce"]?.stringValue else { return nil }
        let theirNonce = try Hex.decode(nonceHex, length: 32)
        let theirKey = try Hex.decode(theirs["node_key"]?.stringValue ?? "", length: 32)
        let signature = P2PHandshake.sign(key: key, genesisHash: genesis.genesisHeader.hash, peerNonce: theirNonce, ownNonce: nonce, peerKey: theirKey)
        try send(P2PMessage.auth(signature: signature).json)
        guard await receive(type: "auth") != nil else { return nil }
        return theirs
    }

    /// Reads until the node's `error` frame; its code (nil when the connection closed without one).
    func errorCode() async -> String? {
        await receive(type: "error")?["code"]?.stringValue
    }

    func close() async { await connection.close() }
}

/// A clock at the epoch: every block is due in the future, so the proposer never wakes and
/// tests produce blocks themselves, at past times.
struct IdleClock: ChainClock {
    func nowMilliseconds() -> UInt64 { 0 }
    func sleep(milliseconds: UInt64) async throws {
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3_600)) }
        throw CancellationError()
    }
}
