import Cryptography
import Foundation
import HTTPClient
import HTTP1
public import HTTPServer
import JSON
import Ledger
public import Logging
import Synchronization
import WebSocket
import WireModels

/// Where the chain event being handled came from, so gossip is not echoed back: set around
/// the calls that admit a peer's transactions and import its blocks (chain events are
/// delivered synchronously inside those calls, on the same task).
enum GossipOrigin: Sendable, Equatable {
    case peer(UInt64)
    case sync

    @TaskLocal static var current: GossipOrigin?

    var peerSerial: UInt64? {
        if case .peer(let serial) = self { return serial }
        return nil
    }
}

/// The node's network (docs/chain-node.md "Network"): a WebSocket listener at `/p2p`, dialers
/// for bootstrap, admin-added and remembered peers, the hello/auth handshake, block and
/// transaction gossip with dedupe, per-peer bounded queues, the peer table, and range sync.
public final class P2PNode: Sendable {
    struct State {
        var peers: [String: Peer] = [:]
        var serial: UInt64 = 0
        var seen = SeenCache()
        var records: [String: PeerRecord] = [:]
        var dialers: [String: Task<Void, Never>] = [:]
        /// Addresses that turned out to be this node.
        var selfAddresses: Set<String> = []
        var pendingTxs: [(json: JSONValue, origin: UInt64?)] = []
        var statusDirty = false
        /// A peer's branch is being fetched for fork choice (one at a time).
        var resolvingFork = false
        /// Peers whose branch forks deeper than MAX_REORG_DEPTH, until when (Unix ms): their
        /// blocks are not fetched or synced from in that time (no fetch storm, no sync target
        /// that can never be reached); then they are tried again.
        var divergent: [String: UInt64] = [:]
        var listener: ChainEvents.ListenerID?
        var tasks: [Task<Void, Never>] = []
        var stopped = false
    }

    let chain: Chain
    let settings: P2PSettings
    let nodeKey: Ed25519.PrivateKey
    let local: P2PHandshake.Local
    public let metrics: P2PMetrics
    let logger: Logger
    let peerStore: PeerStore
    let clock: any ChainClock
    /// The listener at `/p2p`.
    public let server: HTTPServer
    let client: HTTPClient
    let webSocketConfiguration: WebSocketConfiguration
    let state = Mutex(State())
    let importLock = AsyncLock()
    let syncWake = WakeSignal()
    let syncState = Mutex(SyncManager.Progress())
    /// Outgoing block announcements, serialized off the thread that committed them.
    private let outgoing: AsyncStream<(CommittedBlock, GossipOrigin?)>
    private let outgoingContinuation: AsyncStream<(CommittedBlock, GossipOrigin?)>.Continuation

    /// A network for `chain` (not listening until `start`).
    /// - Throws: `ConfigurationError` for an unreadable `NODE_KEY_FILE`.
    public init(chain: Chain, settings: P2PSettings, clock: any ChainClock = SystemChainClock(), metrics: P2PMetrics = P2PMetrics(), logger: Logger) throws {
        self.chain = chain
        self.settings = settings
        nodeKey = try settings.loadNodeKey()
        local = P2PHandshake.Local(chainID: chain.genesis.chainID, genesisHash: chain.genesis.genesisHeader.hash, nodeKey: nodeKey.publicKey.rawRepresentation)
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        peerStore = PeerStore(database: chain.store.database)
        webSocketConfiguration = WebSocketConfiguration(
            maxFrameSize: P2PMessage.maxFrameBytes, maxMessageSize: P2PMessage.maxFrameBytes, maxQueuedMessages: settings.queueSize,
            maxQueuedBytes: settings.queueBytes, slowConsumerCloseCode: .policyViolation, closeTimeout: .seconds(2))
        client = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(3), readTimeout: settings.handshakeTimeout))
        (outgoing, outgoingContinuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        let router = Router()
        var limits = HTTPParserLimits()
        limits.maxBodySize = 0
        server = HTTPServer(
            configuration: HTTPServerConfiguration(host: settings.host, port: settings.port, limits: limits, maxConnections: settings.maxPeers * 2 + 16),
            router: router, logger: logger)
        router.webSocket("/p2p", configuration: webSocketConfiguration) { [weak self] _, context, connection in
            await self?.accept(connection, remote: context.remoteAddress.map { "\($0)" } ?? "unknown")
        }
    }

    /// This node's identity, lowercase hex.
    public var nodeKeyHex: String { Hex.encode(local.nodeKey) }

    /// The bound P2P port, after `start`.
    public var port: Int? { server.port }

    /// The URL peers reach this node at, as announced in hello.
    var listenAddress: String? {
        guard let port = server.port else { return nil }
        let host = settings.host == "0.0.0.0" || settings.host == "::" ? "127.0.0.1" : settings.host
        return "ws://\(host.contains(":") ? "[\(host)]" : host):\(port)/p2p"
    }

    /// Binds, loads the peer table, and starts the dialers, gossip and range sync.
    /// - Throws: the server's `SocketError`, `SQLiteError`.
    public func start() async throws {
        try await server.start()
        let loaded = try await peerStore.all()
        let listener = chain.events.add { [weak self] event in self?.handle(event) }
        let (records, forgotten) = state.withLock { state in
            for record in loaded { state.records[record.nodeKey] = record }
            state.listener = listener
            // A table written before MAX_KNOWN_PEERS (or under a larger one) is trimmed to it.
            let forgotten = Self.makeRoom(&state, for: 0, cap: settings.maxKnownPeers, now: clock.nowMilliseconds()) ?? []
            return (Array(state.records.values), forgotten)
        }
        try await peerStore.delete(forgotten.map(\.nodeKey))
        metrics.queue(deepest: 0, capacity: settings.queueSize)
        metrics.peers(0)
        let outgoing = self.outgoing
        let tasks: [Task<Void, Never>] = [
            Task { [weak self] in
                for await (block, origin) in outgoing { self?.announce(block, origin: origin) }
            },
            Task { [weak self] in await self?.flushLoop() },
            Task { [weak self] in await self?.maintenanceLoop() },
            Task { [weak self] in await self?.idleLoop() },
            Task { [weak self] in
                guard let self else { return }
                await SyncManager(node: self).run()
            },
        ]
        state.withLock { $0.tasks += tasks }
        var targets: [(String, String)] = settings.bootstrapPeers.map { ($0, "bootstrap") }
        // Every remembered peer with an address, inbound ones included: after a restart this
        // node may be the only one left that knows how to reach them.
        for record in records where record.bannedUntilMilliseconds <= clock.nowMilliseconds() {
            if let address = record.address { targets.append((address, record.source == "inbound" ? "known" : record.source)) }
        }
        for (address, source) in targets { dial(address, source: source) }
    }

    /// Stops dialling, closes every peer and the listener — all at once, each step bounded, so
    /// a node with a large peer table and a reconnect storm behind it stops in seconds.
    public func shutdown() async {
        let (tasks, dialers, peers, listener) = state.withLock { state in
            // From here on `register` refuses, so `peers` is every peer there will be.
            state.stopped = true
            defer {
                state.tasks = []
                state.dialers = [:]
            }
            return (state.tasks, Array(state.dialers.values), Array(state.peers.values), state.listener)
        }
        if let listener { chain.events.remove(listener) }
        outgoingContinuation.finish()
        for task in tasks + dialers { task.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for peer in peers {
                group.addTask {
                    peer.markClosed()
                    await peer.connection.close(code: .goingAway, reason: "shutting down")
                }
            }
            group.addTask { await self.server.shutdown(deadline: .seconds(2)) }
            group.addTask { await Self.wait(for: tasks, upTo: .seconds(3)) }
        }
        // A dialer may be inside a TCP connect or an upgrade that only their own deadlines end
        // (`connectTimeout`, `handshakeTimeout`): shutdown does not wait for them; the client's
        // event loops stop once they have (stopping them earlier would strand those tasks).
        let client = client
        Task {
            for dialer in dialers { await dialer.value }
            await client.shutdown()
        }
    }

    /// Waits for `tasks` to end, but no longer than `limit`.
    static func wait(for tasks: [Task<Void, Never>], upTo limit: Duration) async {
        final class Waiter: Sendable {
            let continuation = Mutex<CheckedContinuation<Void, Never>?>(nil)
            func resume() { continuation.withLock { $0.take() }?.resume() }
        }
        let waiter = Waiter()
        await withCheckedContinuation { continuation in
            waiter.continuation.withLock { $0 = continuation }
            Task {
                for task in tasks { await task.value }
                waiter.resume()
            }
            Task {
                try? await Task.sleep(for: limit)
                waiter.resume()
            }
        }
    }

    // MARK: peers

    /// Dials `address` now and whenever the connection ends, with backoff (0.5 s doubling to
    /// 30 s, with jitter; reset after a connection that lived 30 s). No-op when already dialling it.
    func dial(_ address: String, source: String) {
        state.withLock { state in
            guard !state.stopped, state.dialers[address] == nil, !state.selfAddresses.contains(address) else { return }
            state.dialers[address] = Task { [weak self] in await self?.dialLoop(address, source: source) }
        }
    }

    /// `POST /admin/peers/add`: remembers `address` and starts dialling it.
    /// - Throws: `PeerTableFull` when `MAX_KNOWN_PEERS` rows are all bootstrap/admin or connected peers; `SQLiteError`.
    func add(address: String) async throws {
        let now = clock.nowMilliseconds()
        let added = state.withLock { state -> Result<(PeerRecord, forgotten: [PeerRecord])?, PeerTableFull> in
            let key = PeerRecord.pendingKey(address)
            guard state.records[key] == nil, !state.records.values.contains(where: { $0.address == address }) else { return .success(nil) }
            guard let forgotten = Self.makeRoom(&state, for: 1, cap: settings.maxKnownPeers, now: now) else {
                return .failure(PeerTableFull(cap: settings.maxKnownPeers))
            }
            let record = PeerRecord(
                nodeKey: key, address: address, direction: .outbound, score: 0, lastSeenMilliseconds: 0, bannedUntilMilliseconds: 0,
                banReason: nil, source: "admin")
            state.records[key] = record
            return .success((record, forgotten))
        }
        if let (record, forgotten) = try added.get() {
            try await peerStore.delete(forgotten.map(\.nodeKey))
            try await peerStore.save(record)
        }
        dial(address, source: "admin")
    }

    private func dialLoop(_ address: String, source: String) async {
        var backoff = 0.5
        while !Task.isCancelled {
            let (stopped, isSelf, connected, full, bannedFor) = state.withLock { state in
                let record = state.records.values.first { $0.address == address && !$0.nodeKey.hasPrefix("pending:") }
                let now = clock.nowMilliseconds()
                let banned = record.map { $0.bannedUntilMilliseconds > now ? $0.bannedUntilMilliseconds - now : 0 } ?? 0
                return (
                    state.stopped, state.selfAddresses.contains(address), state.peers.values.contains { $0.dialAddress == address },
                    state.peers.count >= settings.maxPeers, banned
                )
            }
            if stopped || isSelf { return }
            if connected || full || bannedFor > 0 {
                // Checked again later: the peer may leave, a slot may free up, the ban may end.
                try? await Task.sleep(for: .milliseconds(Int64(min(max(bannedFor, 1_000), 30_000))))
                continue
            }
            var lived: Duration = .zero
            do {
                let connection = try await WebSocketClient.connect(url: address, configuration: webSocketConfiguration, client: client)
                // Cancelled (shutdown, or the row was forgotten): the handshake ends now, not at its deadline.
                let outcome = await withTaskCancellationHandler {
                    await handshake(connection, direction: .outbound, remote: address)
                } onCancel: {
                    Task { await connection.close(code: .goingAway, reason: "shutting down") }
                }
                switch outcome {
                case .success(let peer):
                    await serve(peer, source: source)
                    lived = ContinuousClock.now - peer.connectedAt
                case .failure(let refusal):
                    if refusal == .selfConnection {
                        state.withLock { _ = $0.selfAddresses.insert(address) }
                        logger.info("p2p: not dialling this node's own address", metadata: ["address": "\(address)"])
                        return
                    }
                }
            } catch {
                logger.debug("p2p dial failed", metadata: ["address": "\(address)", "error": "\(error)"])
            }
            if lived >= .seconds(30) { backoff = 0.5 }
            let jittered = backoff * Double.random(in: 0.8...1.2)
            backoff = min(backoff * 2, 30)
            try? await Task.sleep(for: .milliseconds(Int64(jittered * 1_000)))
        }
    }

    /// An inbound connection: handshake, then serve until it ends.
    private func accept(_ connection: WebSocketConnection, remote: String) async {
        if case .success(let peer) = await handshake(connection, direction: .inbound, remote: remote) {
            await serve(peer, source: "inbound")
        }
    }

    /// hello both ways, then auth both ways, within `handshakeTimeout`; registers the peer.
    func handshake(_ connection: WebSocketConnection, direction: PeerDirection, remote: String) async -> Result<Peer, HandshakeRefusal> {
        var nonce = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in nonce.indices { nonce[index] = generator.next() }
        let head = chain.head
        let hello = P2PHello(
            protocolVersion: P2PHello.protocolVersion, chainID: local.chainID, genesisHash: local.genesisHash, nodeKey: local.nodeKey, nonce: nonce,
            head: PeerHead(height: head.height, hash: head.hash.bytes), listen: listenAddress)
        let timedOut = SharedFlag()
        let deadline = Task {
            try await Task.sleep(for: settings.handshakeTimeout)
            timedOut.set()
            await connection.close(code: .policyViolation, reason: HandshakeRefusal.timeout.rawValue)
        }
        defer { deadline.cancel() }
        func refuse(_ refusal: HandshakeRefusal, _ detail: String = "") async -> Result<Peer, HandshakeRefusal> {
            let refusal = timedOut.isSet ? .timeout : refusal
            metrics.handshakeFailed(refusal.rawValue)
            logger.warning(
                "p2p handshake refused",
                metadata: ["peer": "\(remote)", "direction": "\(direction.rawValue)", "reason": "\(refusal.rawValue)", "detail": "\(detail)"])
            if refusal != .closed, refusal != .timeout {
                _ = try? connection.send(text: P2PMessage.error(code: refusal.rawValue, message: refusal.message).text)
            }
            await connection.close(code: .policyViolation, reason: refusal.rawValue)
            return .failure(refusal)
        }
        guard (try? connection.send(text: P2PMessage.hello(hello).text)) != nil else { return await refuse(.closed) }
        let theirs: P2PHello
        switch await receiveFrame(connection) {
        case .hello(let received)?: theirs = received
        case .error(let code, let message)?: return await refuse(.malformed, "peer refused: \(code): \(message)")
        case nil: return await refuse(.closed)
        default: return await refuse(.malformed)
        }
        if let refusal = P2PHandshake.check(theirs, local: local) { return await refuse(refusal) }
        let keyHex = Hex.encode(theirs.nodeKey)
        let now = clock.nowMilliseconds()
        if let record = state.withLock({ $0.records[keyHex] }), record.bannedUntilMilliseconds > now { return await refuse(.banned) }
        let signature = P2PHandshake.sign(key: nodeKey, genesisHash: local.genesisHash, peerNonce: theirs.nonce, ownNonce: nonce, peerKey: theirs.nodeKey)
        guard (try? connection.send(text: P2PMessage.auth(signature: signature).text)) != nil else { return await refuse(.closed) }
        switch await receiveFrame(connection) {
        case .auth(let theirSignature)?:
            guard
                P2PHandshake.verify(
                    signature: theirSignature, peerKey: theirs.nodeKey, genesisHash: local.genesisHash, ourNonce: nonce, peerNonce: theirs.nonce,
                    ourKey: local.nodeKey)
            else { return await refuse(.badAuth) }
        case .error(let code, let message)?: return await refuse(.malformed, "peer refused: \(code): \(message)")
        case nil: return await refuse(.closed)
        default: return await refuse(.malformed)
        }
        deadline.cancel()
        guard !timedOut.isSet else { return await refuse(.timeout) }
        let peer = Peer(
            serial: 0, nodeKey: theirs.nodeKey, direction: direction, remoteAddress: remote, listen: theirs.listen, head: theirs.head,
            connection: connection, nowMilliseconds: now)
        switch register(peer) {
        case .failure(let refusal): return await refuse(refusal)
        case .success(let (registered, replaced)):
            if let replaced {
                metrics.peerDropped("duplicate")
                Task { await replaced.connection.close(code: .policyViolation, reason: HandshakeRefusal.duplicate.rawValue) }
            }
            return .success(registered)
        }
    }

    /// The next frame decoded, or nil when the connection ended or sent something that is not a frame.
    private func receiveFrame(_ connection: WebSocketConnection) async -> P2PMessage? {
        guard case .text(let text)? = try? await connection.receive() else { return nil }
        return try? P2PMessage(text: text)
    }

    /// Adds an authenticated peer. One connection per node key: when two nodes dial each other
    /// at once, both keep the connection dialled by the lower key (each side decides the same).
    private func register(_ candidate: Peer) -> Result<(Peer, replaced: Peer?), HandshakeRefusal> {
        state.withLock { state in
            guard !state.stopped else { return .failure(.closed) }
            state.serial += 1
            let peer = Peer(
                serial: state.serial, nodeKey: candidate.nodeKey, direction: candidate.direction, remoteAddress: candidate.remoteAddress,
                listen: candidate.listen, head: candidate.head, connection: candidate.connection, nowMilliseconds: candidate.lastSeenMilliseconds)
            var replaced: Peer?
            if let existing = state.peers[peer.keyHex] {
                let dialer = peer.direction == .outbound ? local.nodeKey : peer.nodeKey
                let other = peer.direction == .outbound ? peer.nodeKey : local.nodeKey
                let preferNew = existing.direction != peer.direction && dialer.lexicographicallyPrecedes(other)
                guard preferNew else { return .failure(.duplicate) }
                replaced = existing
            } else if state.peers.count >= settings.maxPeers {
                return .failure(.tooManyPeers)
            }
            state.peers[peer.keyHex] = peer
            return .success((peer, replaced))
        }
    }

    /// Runs an authenticated peer: remembers it, answers and routes its frames until the
    /// connection ends, then forgets the connection (the record stays).
    private func serve(_ peer: Peer, source: String) async {
        let (count, known) = state.withLock { ($0.peers.count, $0.records[peer.keyHex]) }
        peer.adjustScore(known?.score ?? 0)
        metrics.peers(count)
        logger.info(
            "p2p peer connected",
            metadata: ["peer": "\(peer.keyHex.prefix(16))", "address": "\(peer.remoteAddress)", "direction": "\(peer.direction.rawValue)", "head": "\(peer.head.height)"])
        await remember(peer, source: source)
        syncWake.signal()
        let head = chain.head
        _ = send(.status(head: PeerHead(height: head.height, hash: head.hash.bytes)), to: peer)
        announceMempool(to: peer)
        await receiveLoop(peer)
        peer.markClosed()
        let remaining = state.withLock { state -> Int in
            if state.peers[peer.keyHex]?.serial == peer.serial { state.peers.removeValue(forKey: peer.keyHex) }
            return state.peers.count
        }
        metrics.peers(remaining)
        if !peer.connection.isClosed { await peer.connection.close() }
        logger.info("p2p peer disconnected", metadata: ["peer": "\(peer.keyHex.prefix(16))", "close": "\(peer.connection.closeStatus.map { "\($0.code.rawValue) \($0.reason)" } ?? "")"])
        await remember(peer, source: source)
        syncWake.signal()
    }

    private func receiveLoop(_ peer: Peer) async {
        while true {
            let message: WebSocketMessage?
            do {
                message = try await peer.connection.receive()
            } catch {
                return
            }
            guard let message else { return }
            peer.frameArrived()
            defer { peer.frameHandled() }
            guard case .text(let text) = message else {
                await protocolError(peer, "binary frames are not part of the protocol")
                return
            }
            let decoded: P2PMessage
            do throws(WireDecodingError) {
                decoded = try P2PMessage(text: text)
            } catch {
                await protocolError(peer, error.description)
                return
            }
            metrics.received(decoded.type)
            peer.touch(clock.nowMilliseconds())
            switch decoded {
            case .status(let head):
                peer.update(head: head)
                syncWake.signal()
            case .block(let json):
                await receiveBlock(json, from: peer)
            case .txs(let txs):
                await receiveTransactions(txs, from: peer)
            case .getBlocks(let requestID, let start, let count):
                await serveBlocks(requestID: requestID, start: start, count: count, to: peer)
            case .blocks(let requestID, let blocks):
                peer.finish(request: requestID, with: .success(blocks))
            case .error(let code, let message):
                logger.warning("p2p peer error", metadata: ["peer": "\(peer.keyHex.prefix(16))", "code": "\(code)", "message": "\(message)"])
            case .hello, .auth:
                await protocolError(peer, "\(decoded.type) after the handshake")
                return
            }
            if peer.connection.isClosed { return }
        }
    }

    /// Closes a peer that stopped answering requests (it may claim a head it never serves, which
    /// would keep this node syncing and not ready for as long as it stays): counted
    /// `p2p_peers_dropped_total{reason="unresponsive"}`; it may connect again.
    func dropUnresponsive(_ peer: Peer) async {
        logger.warning("p2p peer dropped: its requests keep timing out", metadata: ["peer": "\(peer.keyHex.prefix(16))"])
        metrics.peerDropped("unresponsive")
        peer.markClosed()
        _ = send(.error(code: "unresponsive", message: "requests timed out"), to: peer)
        await peer.connection.close(code: .policyViolation, reason: "unresponsive")
    }

    /// A frame the protocol does not allow: an error frame, then close 1008.
    private func protocolError(_ peer: Peer, _ message: String) async {
        logger.warning("p2p protocol error", metadata: ["peer": "\(peer.keyHex.prefix(16))", "error": "\(message)"])
        metrics.peerDropped("protocol")
        _ = send(.error(code: "protocol", message: message), to: peer)
        await peer.connection.close(code: .policyViolation, reason: "protocol")
    }

    /// Writes the peer's row (address, direction, score, last seen, ban). A new row first makes
    /// room under `MAX_KNOWN_PEERS`; when none can be made the peer is served but not remembered.
    private func remember(_ peer: Peer, source: String) async {
        let now = clock.nowMilliseconds()
        let change = state.withLock { state -> (PeerRecord, forgotten: [PeerRecord])? in
            var record = state.records[peer.keyHex] ?? PeerRecord(
                nodeKey: peer.keyHex, address: nil, direction: peer.direction, score: 0, lastSeenMilliseconds: 0, bannedUntilMilliseconds: 0,
                banReason: nil, source: source)
            record.address = peer.dialAddress ?? record.address
            record.direction = peer.direction
            record.score = peer.score
            record.lastSeenMilliseconds = peer.lastSeenMilliseconds
            if let address = record.address { state.records.removeValue(forKey: PeerRecord.pendingKey(address)) }
            var forgotten: [PeerRecord] = []
            if state.records[peer.keyHex] == nil {
                guard let room = Self.makeRoom(&state, for: 1, cap: settings.maxKnownPeers, now: now) else { return nil }
                forgotten = room
            }
            state.records[peer.keyHex] = record
            return (record, forgotten)
        }
        guard let (record, forgotten) = change else { return }
        do {
            try await peerStore.delete(forgotten.map(\.nodeKey))
            try await peerStore.save(record)
        } catch {
            logger.warning("p2p: cannot save the peer table", metadata: ["error": "\(error)"])
        }
    }

    /// Bans `peer` for `PEER_BAN_SECONDS` and closes it.
    func ban(_ peer: Peer, reason: String) async {
        let now = clock.nowMilliseconds()
        let until = now + UInt64(settings.banSeconds) * 1_000
        let forgotten = state.withLock { state -> [PeerRecord] in
            var forgotten: [PeerRecord] = []
            if state.records[peer.keyHex] == nil {
                // No room under MAX_KNOWN_PEERS: the peer is still closed, its ban just not remembered.
                guard let room = Self.makeRoom(&state, for: 1, cap: settings.maxKnownPeers, now: now) else { return [] }
                forgotten = room
            }
            var record = state.records[peer.keyHex] ?? PeerRecord(
                nodeKey: peer.keyHex, address: peer.dialAddress, direction: peer.direction, score: 0, lastSeenMilliseconds: 0,
                bannedUntilMilliseconds: 0, banReason: nil, source: peer.direction == .inbound ? "inbound" : "known")
            record.bannedUntilMilliseconds = until
            record.banReason = reason
            state.records[peer.keyHex] = record
            return forgotten
        }
        metrics.peerBanned(reason)
        metrics.peerDropped("banned")
        logger.warning("p2p peer banned", metadata: ["peer": "\(peer.keyHex.prefix(16))", "address": "\(peer.remoteAddress)", "reason": "\(reason)"])
        peer.markClosed()
        _ = send(.error(code: "banned", message: reason), to: peer)
        await peer.connection.close(code: .policyViolation, reason: "banned")
        try? await peerStore.delete(forgotten.map(\.nodeKey))
        if let record = state.withLock({ $0.records[peer.keyHex] }) { try? await peerStore.save(record) }
    }

    /// Connected peers.
    var connectedPeers: [Peer] { state.withLock { Array($0.peers.values) }.filter { !$0.isClosed } }

    /// How long a peer found on a divergent branch is left alone before its branch is fetched again.
    static let divergenceCooldownMilliseconds: UInt64 = 60_000

    /// Connected peers this node can sync from: not on a divergent branch.
    var syncablePeers: [Peer] {
        let divergent = currentDivergent()
        return connectedPeers.filter { !divergent.contains($0.keyHex) }
    }

    /// Whether `peer` is on a divergent branch now.
    func isDivergent(_ peer: Peer) -> Bool { currentDivergent().contains(peer.keyHex) }

    /// Marks `peer` divergent for the cooldown and keeps `chain_divergent` at 1 meanwhile.
    func markDivergent(_ peer: Peer) {
        let until = clock.nowMilliseconds() + Self.divergenceCooldownMilliseconds
        let count = state.withLock { state in
            state.divergent[peer.keyHex] = until
            return state.divergent.count
        }
        chain.metrics.divergentPeers(count)
    }

    /// The peers still divergent (expired entries dropped, the gauge updated when one expires).
    private func currentDivergent() -> Set<String> {
        let now = clock.nowMilliseconds()
        let (keys, expired, count) = state.withLock { state -> (Set<String>, Bool, Int) in
            let before = state.divergent.count
            state.divergent = state.divergent.filter { $0.value > now }
            return (Set(state.divergent.keys), state.divergent.count != before, state.divergent.count)
        }
        if expired { chain.metrics.divergentPeers(count) }
        return keys
    }

    // MARK: sending

    /// Queues `message` for `peer`; an overflowing queue closes that peer as slow (counted),
    /// never blocking the others.
    @discardableResult
    func send(_ message: P2PMessage, to peer: Peer, topic: String? = nil) -> Bool {
        send(text: message.text, type: message.type, to: peer, topic: topic)
    }

    @discardableResult
    private func send(text: String, type: String, to peer: Peer, topic: String?) -> Bool {
        switch peer.send(text: text) {
        case .sent:
            metrics.sent(type)
            return true
        case .slow:
            metrics.gossipDropped(topic ?? type)
            metrics.peerDropped("slow")
            logger.warning("p2p peer too slow: closed", metadata: ["peer": "\(peer.keyHex.prefix(16))", "queued": "\(settings.queueSize)"])
            return false
        case .closed:
            return false
        }
    }

    // MARK: gossip

    /// Chain events: runs on the committing thread, so it only records and enqueues.
    private func handle(_ event: ChainEvent) {
        let origin = GossipOrigin.current
        if case .blockCommitted(let committed) = event {
            state.withLock { state in
                state.seen.insert(committed.block.hash.bytes)
                state.statusDirty = true
            }
            // Our own blocks go to everyone; a peer's block to everyone else; blocks that range
            // sync fetched are old news to peers (status tells them our head).
            if committed.produced || origin?.peerSerial != nil { outgoingContinuation.yield((committed, origin)) }
        } else if case .transactionsAdmitted(let transactions) = event {
            let from = origin?.peerSerial
            state.withLock { state in
                for transaction in transactions {
                    state.seen.insert(transaction.id.bytes)
                    state.pendingTxs.append((transaction.message.json, from))
                }
            }
        }
    }

    /// Sends a committed block to every peer but the one it came from.
    private func announce(_ committed: CommittedBlock, origin: GossipOrigin?) {
        let block = committed.block.fullBlock(txs: committed.transactions.map(\.message))
        let text = P2PMessage.block(block.json).text
        let peers = connectedPeers.filter { $0.serial != origin?.peerSerial }
        for peer in peers { send(text: text, type: "block", to: peer, topic: "blocks") }
        metrics.published("blocks")
    }

    /// Our pending transactions to a peer that just connected: those admitted while no peer
    /// was connected (or reloaded after a restart, before the network started) reach the
    /// network too. The receiver's dedupe drops what it already has.
    private func announceMempool(to peer: Peer) {
        let pending = chain.mempool.withLock { $0.select(maxTransactions: 10_000, maxBytes: 16 << 20) }.map(\.transaction.message.json)
        var start = 0
        while start < pending.count {
            let end = min(start + P2PMessage.maxTransactionsPerMessage, pending.count)
            guard send(.txs(Array(pending[start..<end])), to: peer, topic: "txs") else { return }
            start = end
        }
    }

    /// Every 50 ms: pending transactions in frames of ≤ 500 to every peer but their origin,
    /// and one status per head change (or per `statusInterval` when the head stands still).
    private func flushLoop() async {
        var lastStatus = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            let (pending, statusDirty) = state.withLock { state in
                defer {
                    state.pendingTxs = []
                    state.statusDirty = false
                }
                return (state.pendingTxs, state.statusDirty)
            }
            let peers = connectedPeers
            if !pending.isEmpty {
                metrics.published("txs", count: pending.count)
                for peer in peers {
                    let mine = pending.filter { $0.origin != peer.serial }.map(\.json)
                    var start = 0
                    while start < mine.count {
                        let end = min(start + P2PMessage.maxTransactionsPerMessage, mine.count)
                        guard send(.txs(Array(mine[start..<end])), to: peer, topic: "txs") else { break }
                        start = end
                    }
                }
            }
            // The heartbeat: a status at least every `statusInterval`, so peers see we are alive.
            if statusDirty || ContinuousClock.now - lastStatus >= settings.statusInterval {
                lastStatus = .now
                let head = chain.head
                let text = P2PMessage.status(head: PeerHead(height: head.height, hash: head.hash.bytes)).text
                for peer in peers { send(text: text, type: "status", to: peer, topic: "status") }
            }
        }
    }

    /// Every second: the queue-depth gauge and the sync gauges.
    private func maintenanceLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let peers = connectedPeers
            metrics.queue(deepest: peers.map(\.queued).max() ?? 0, capacity: settings.queueSize)
            metrics.peers(peers.count)
            let (best, syncing) = (bestPeerHead?.height, syncState.withLock { $0.active })
            metrics.sync(bestPeer: best, head: chain.head.height, active: syncing)
        }
    }

    /// A peer's transactions: dedupe by id, then one admission batch (which emits the
    /// admitted ones, forwarded to the other peers).
    private func receiveTransactions(_ values: [JSONValue], from peer: Peer) async {
        var batch: [Result<TransactionMessage, WireDecodingError>] = []
        var forged = false
        for value in values {
            guard let message = try? TransactionMessage(json: value) else {
                forged = true
                continue
            }
            if let id = try? message.transactionID() {
                guard !state.withLock({ $0.seen.contains(id.bytes) }) else {
                    metrics.duplicate("txs")
                    continue
                }
            }
            batch.append(.success(message))
        }
        if !batch.isEmpty {
            let submitted = batch
            let outcomes = await GossipOrigin.$current.withValue(.peer(peer.serial)) { await chain.submit(batch: submitted) }
            forged = forged || outcomes.contains { outcome in
                guard case .failure(.rejected(let rejection)) = outcome else { return false }
                return Self.isForgery(rejection)
            }
        }
        // Peers forward only transactions that passed these checks: one that fails them was
        // made up or altered on the way, by the sender. (Stale nonces, fees or balances are not
        // faults: the sender's view of the chain may differ.)
        if forged { await ban(peer, reason: "bad_tx") }
    }

    /// Whether a refusal means the transaction itself is not genuine.
    static func isForgery(_ rejection: TxRejection) -> Bool {
        switch rejection {
        case .badSignature, .invalidPublicKey, .senderKeyMismatch, .wrongChain: true
        default: false
        }
    }

    /// `get_blocks`: up to `count` blocks from `start` (≤ 500, ≤ 8 MiB).
    private func serveBlocks(requestID: UInt64, start: UInt64, count: Int, to peer: Peer) async {
        let head = chain.head.height
        var blocks: [JSONValue] = []
        if start <= head {
            let end = min(head, start + UInt64(max(0, count - 1)))
            do {
                blocks = try await chain.store.fullBlocks(
                    from: start, through: end, maxBlocks: min(count, P2PMessage.maxBlocksPerMessage), maxBytes: P2PMessage.maxBlocksBytes
                ).map(\.json)
            } catch {
                logger.error("p2p: cannot read blocks for a peer", metadata: ["start": "\(start)", "error": "\(error)"])
            }
        }
        send(.blocks(requestID: requestID, blocks: blocks), to: peer, topic: "blocks")
    }

    /// The highest head any connected peer announced.
    var bestPeerHead: PeerHead? { syncablePeers.map(\.head).max { $0.height < $1.height } }
}
