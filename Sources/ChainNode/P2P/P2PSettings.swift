public import Cryptography
import Foundation
public import ServiceRuntime

/// The network settings (docs/chain-node.md "Network"), validated at start-up like the rest of
/// `ChainNodeConfiguration`; errors name the setting.
public struct P2PSettings: Sendable {
    /// `P2P_ENABLED` (default true when read from settings; off for `init()`, so embedding and
    /// tests open no second port unless they ask).
    public var enabled = false
    /// `P2P_BIND_HOST`: loopback by default, so a node is not reachable from other hosts until
    /// an operator opens it on purpose.
    public var host = "127.0.0.1"
    /// `P2P_BIND_PORT` (0 = any free port, reported as `p2p_port` in the "listening" log line).
    public var port = 7070
    /// `BOOTSTRAP_PEERS`, each as `ws://host:port/p2p`.
    public var bootstrapPeers: [String] = []
    /// `NODE_KEY_FILE` (default `DATA_DIR/node_key.json`, created 0600 on first start).
    public var nodeKeyPath = "./data/chain-node/node_key.json"
    /// The node identity when given directly (tests, embedding); nil → `nodeKeyPath`.
    public var nodeKey: Ed25519.PrivateKey?
    /// `MAX_PEERS`.
    public var maxPeers = 32
    /// `GOSSIP_QUEUE_SIZE`: messages waiting for one peer before it is closed as slow.
    public var queueSize = 1_024
    /// `GOSSIP_QUEUE_BYTES`: bytes waiting for one peer before it is closed as slow.
    public var queueBytes = 64 << 20
    /// `PEER_BAN_SECONDS`: how long a peer that sent a bad block is refused.
    public var banSeconds = 600
    /// `SYNC_BATCH`: blocks per range request.
    public var syncBatch = 256
    /// `SYNC_PARALLEL`: range requests in flight at once, each to another peer.
    public var syncParallel = 4
    /// How long a range request may take before it goes to another peer.
    public var requestTimeout: Duration = .seconds(10)
    /// How long the hello/auth exchange may take.
    public var handshakeTimeout: Duration = .seconds(5)
    /// `P2P_STATUS_INTERVAL_SECONDS`: a `status` goes to every peer at least this often, head
    /// moved or not — the heartbeat that tells peers this node is alive.
    public var statusInterval: Duration = .seconds(10)
    /// `P2P_IDLE_TIMEOUT_SECONDS`: a peer that sent no frame for this long is closed (`idle`), so
    /// silent connections cannot hold `MAX_PEERS` slots; more than twice `statusInterval`.
    public var idleTimeout: Duration = .seconds(30)
    /// `MAX_KNOWN_PEERS`: rows of the peer table; when full, the least recently seen rows that
    /// are not bootstrap/admin peers and not connected are forgotten.
    public var maxKnownPeers = 1_000

    /// Defaults, P2P off.
    public init() {}

    /// Reads the `P2P_*`, `BOOTSTRAP_PEERS`, `NODE_KEY_FILE`, `MAX_PEERS`, `MAX_KNOWN_PEERS`, `GOSSIP_*`,
    /// `PEER_BAN_SECONDS` and `SYNC_*` settings.
    /// - Throws: `ConfigurationError` naming the setting.
    public init(reader: ConfigurationReader, dataDirectory: String) throws(ConfigurationError) {
        enabled = try reader.bool("P2P_ENABLED", default: true)
        host = try reader.bindHost("P2P_BIND_HOST", default: "127.0.0.1")
        port = try reader.port("P2P_BIND_PORT", default: 7070, allowEphemeral: true)
        bootstrapPeers = []
        for entry in (reader.string("BOOTSTRAP_PEERS") ?? "").split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let address = PeerAddress.normalize(text) else {
                throw .invalid(setting: "BOOTSTRAP_PEERS", reason: "\(text) is not ws://host:port/p2p or host:port")
            }
            bootstrapPeers.append(address)
        }
        nodeKeyPath = reader.string("NODE_KEY_FILE").flatMap { $0.isEmpty ? nil : $0 } ?? dataDirectory + "/node_key.json"
        maxPeers = try reader.int("MAX_PEERS", default: 32, range: 1...1_000)
        queueSize = try reader.int("GOSSIP_QUEUE_SIZE", default: 1_024, range: 16...1_000_000)
        queueBytes = try reader.int("GOSSIP_QUEUE_BYTES", default: 64 << 20, range: (1 << 20)...(4 << 30))
        banSeconds = try reader.int("PEER_BAN_SECONDS", default: 600, range: 1...(30 * 86_400))
        syncBatch = try reader.int("SYNC_BATCH", default: 256, range: 1...500)
        syncParallel = try reader.int("SYNC_PARALLEL", default: 4, range: 1...32)
        let statusSeconds = try reader.int("P2P_STATUS_INTERVAL_SECONDS", default: 10, range: 1...3_600)
        let idleSeconds = try reader.int("P2P_IDLE_TIMEOUT_SECONDS", default: 30, range: 3...86_400)
        guard idleSeconds > 2 * statusSeconds else {
            throw .invalid(
                setting: "P2P_IDLE_TIMEOUT_SECONDS",
                reason: "\(idleSeconds) must be more than twice P2P_STATUS_INTERVAL_SECONDS (\(statusSeconds)), or honest peers are dropped between heartbeats")
        }
        statusInterval = .seconds(statusSeconds)
        idleTimeout = .seconds(idleSeconds)
        maxKnownPeers = try reader.int("MAX_KNOWN_PEERS", default: 1_000, range: 16...100_000)
        guard maxKnownPeers >= maxPeers else {
            throw .invalid(setting: "MAX_KNOWN_PEERS", reason: "\(maxKnownPeers) must be at least MAX_PEERS (\(maxPeers)), so every connected peer is remembered")
        }
    }

    /// The node key: `nodeKey`, else the file at `nodeKeyPath`, created (0600) when missing.
    /// - Throws: `ConfigurationError` naming `NODE_KEY_FILE`.
    func loadNodeKey() throws(ConfigurationError) -> Ed25519.PrivateKey {
        if let nodeKey { return nodeKey }
        if !FileManager.default.fileExists(atPath: nodeKeyPath) {
            let key = Ed25519.PrivateKey.generate()
            let text = #"{"private_key":"\#(key.seed.withUnsafeBytes { Hex.encode(Array($0)) })","public_key":"\#(key.publicKey.hex)"}"# + "\n"
            // O_EXCL: two starts racing never overwrite each other's key.
            let fd = open(nodeKeyPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw .invalid(setting: "NODE_KEY_FILE", reason: "cannot create \(nodeKeyPath): \(String(cString: strerror(errno)))")
            }
            let bytes = Array(text.utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard written == bytes.count else { throw .invalid(setting: "NODE_KEY_FILE", reason: "cannot write \(nodeKeyPath)") }
        }
        do {
            return try KeyFile.load(path: nodeKeyPath, setting: "NODE_KEY_FILE")
        } catch {
            if case .unreadableFile(let path, let reason) = error { throw .invalid(setting: "NODE_KEY_FILE", reason: "cannot read \(path): \(reason)") }
            throw error
        }
    }
}

/// Peer addresses in one spelling, `ws://host:port/p2p`, so a peer named two ways is dialled once.
enum PeerAddress {
    /// `ws://host:port/p2p` for `ws://host:port[/p2p]` or `host:port`; nil for anything else.
    /// Longest peer address accepted.
    static let maxAddressLength = 300

    static func normalize(_ text: String) -> String? {
        // The OpenAPI pattern of `POST /admin/peers/add` states the same rule.
        guard text.utf8.count <= maxAddressLength else { return nil }
        var rest = Substring(text)
        if rest.hasPrefix("ws://") { rest = rest.dropFirst(5) } else if rest.contains("://") { return nil }
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...] == "/p2p" || rest[slash...] == "/p2p/" else { return nil }
            rest = rest[..<slash]
        }
        guard let colon = rest.lastIndex(of: ":") else { return nil }
        let digits = rest[rest.index(after: colon)...]
        // Decimal digits, no sign, no leading zero: one spelling per port.
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), !digits.hasPrefix("0"), let port = Int(digits),
            (1...65_535).contains(port)
        else { return nil }
        let host = rest[..<colon]
        guard !host.isEmpty, host.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || ".-[]:".utf8.contains($0) })
        else { return nil }
        return "ws://\(host):\(port)/p2p"
    }

    /// Where to dial back a peer that connected from `remote` (`host:port`, `[v6]:port`) and
    /// announced `listen`: its host, the announced port. nil without a usable announcement.
    static func inbound(remote: String, listen: String?) -> String? {
        guard let listen, let announced = normalize(listen), let colon = remote.lastIndex(of: ":") else { return nil }
        let trimmed = announced.dropFirst(5).dropLast(4)
        guard let portColon = trimmed.lastIndex(of: ":") else { return nil }
        return normalize(String(remote[..<colon]) + trimmed[portColon...])
    }
}
