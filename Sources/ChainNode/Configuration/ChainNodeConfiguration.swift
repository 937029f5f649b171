import WireModels
public import Cryptography
import Foundation
public import Ledger
public import ServiceRuntime

/// Every chain node setting (docs/chain-node.md "Configuration"), validated at start-up. Errors
/// name the setting; `description` never shows a key or token.
public struct ChainNodeConfiguration: Sendable, CustomStringConvertible {
    /// `CHAIN_GENESIS`: path of the genesis file (required).
    public var genesisPath: String = ""
    /// The parsed genesis file.
    public var genesis: GenesisDocument
    /// `DATA_DIR`.
    public var dataDirectory: String = "./data/chain-node"
    /// `DB_PATH` (default `DATA_DIR/chain.db`).
    public var databasePath: String = "./data/chain-node/chain.db"
    /// `RPC_BIND_HOST`.
    public var host: String = "127.0.0.1"
    /// `RPC_BIND_PORT` (0 = any free port).
    public var port: Int = 8080
    /// `PROPOSER_KEY_FILE`: the authority key; nil → follow only.
    public var proposerKey: Ed25519.PrivateKey?
    /// `MEMPOOL_MAX_TXS`, `MEMPOOL_MAX_BYTES`.
    public var mempoolLimits = Mempool.Limits()
    /// `SENDTX_RATE_PER_SECOND`: transactions per second per client address (token refill).
    public var sendRatePerSecond: Int = 2_000
    /// `SENDTX_BURST`: bucket size.
    public var sendBurst: Int = 4_000
    /// `DEVNET_FAUCET`: serve `mintFaucet` (devnets only).
    public var faucetEnabled = false
    /// `FAUCET_KEY_FILE`: the funded genesis account the faucet pays from.
    public var faucetKey: Ed25519.PrivateKey?
    /// `ADMIN_TOKEN`: bearer token of the admin routes.
    public var adminToken: String?
    /// `MAX_BODY_BYTES`: largest request body (a full `sendTxs` batch is ≈ 0.5 MiB).
    public var maxBodyBytes: Int = 8 << 20
    /// `LOG_LEVEL`.
    public var logLevel: String = "info"
    /// The network: P2P listener, peers, gossip queues, range sync.
    public var p2p = P2PSettings()
    /// `MAX_CLOCK_DRIFT_MS`, `MAX_REORG_DEPTH`: the header time check and the fork choice.
    public var forkChoice = Chain.ForkChoiceSettings()
    /// `WS_MAX_CONNECTIONS`, `WS_QUEUE_SIZE`, `WS_QUEUE_BYTES`, `WS_PING_INTERVAL_SECONDS`,
    /// `WS_MAX_BACKFILL_BLOCKS`: the WebSocket RPC's limits.
    public var webSocketRPC = WebSocketRPCSettings()

    /// Reads and validates every setting.
    /// - Throws: `ConfigurationError` naming the setting.
    public init(reader: ConfigurationReader) throws(ConfigurationError) {
        genesisPath = try reader.required("CHAIN_GENESIS")
        let bytes: [UInt8]
        guard FileManager.default.fileExists(atPath: genesisPath) else {
            throw .invalid(setting: "CHAIN_GENESIS", reason: "\(genesisPath): no such file (make one with aitbc chain genesis)")
        }
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: genesisPath)))
        } catch {
            throw .invalid(setting: "CHAIN_GENESIS", reason: "cannot read \(genesisPath)")
        }
        do {
            genesis = try GenesisDocument(bytes: bytes)
        } catch {
            throw .invalid(setting: "CHAIN_GENESIS", reason: "\(genesisPath): \(error)")
        }
        if let chainID = reader.string("CHAIN_ID"), chainID != genesis.chainID {
            throw .invalid(setting: "CHAIN_ID", reason: "the genesis file is for chain \(genesis.chainID)")
        }
        dataDirectory = reader.string("DATA_DIR", default: "./data/chain-node")
        databasePath = reader.string("DB_PATH", default: dataDirectory + "/chain.db")
        host = try reader.bindHost("RPC_BIND_HOST", default: "127.0.0.1")
        port = try reader.port("RPC_BIND_PORT", default: 8080, allowEphemeral: true)
        proposerKey = try Self.key(reader, "PROPOSER_KEY_FILE")
        mempoolLimits = Mempool.Limits(
            maxTransactions: try reader.int("MEMPOOL_MAX_TXS", default: 50_000, range: 1...10_000_000),
            maxBytes: try reader.int("MEMPOOL_MAX_BYTES", default: 64 << 20, range: 64 << 10...(4 << 30)))
        sendRatePerSecond = try reader.int("SENDTX_RATE_PER_SECOND", default: 2_000, range: 1...10_000_000)
        // At least one full sendTxs batch: a smaller bucket would refuse such a batch forever.
        sendBurst = try reader.int("SENDTX_BURST", default: 4_000, range: SendTxsRequest.maxTransactions...10_000_000)
        faucetEnabled = try reader.bool("DEVNET_FAUCET", default: false)
        faucetKey = try Self.key(reader, "FAUCET_KEY_FILE")
        adminToken = reader.string("ADMIN_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        if faucetEnabled {
            guard faucetKey != nil else { throw .invalid(setting: "FAUCET_KEY_FILE", reason: "required when DEVNET_FAUCET is true") }
            guard let token = adminToken, token.utf8.count >= 16 else {
                throw .invalid(setting: "ADMIN_TOKEN", reason: "required (at least 16 characters) when DEVNET_FAUCET is true")
            }
        }
        maxBodyBytes = try reader.int("MAX_BODY_BYTES", default: 8 << 20, range: 64 << 10...(64 << 20))
        p2p = try P2PSettings(reader: reader, dataDirectory: dataDirectory)
        forkChoice = Chain.ForkChoiceSettings(
            maxClockDriftMilliseconds: UInt64(try reader.int("MAX_CLOCK_DRIFT_MS", default: 2_000, range: 0...600_000)),
            maxReorgDepth: UInt64(try reader.int("MAX_REORG_DEPTH", default: 16, range: 0...10_000)))
        logLevel = try reader.choice(
            "LOG_LEVEL", default: "info", allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        webSocketRPC.maxConnections = try reader.int("WS_MAX_CONNECTIONS", default: 2_000, range: 1...100_000)
        webSocketRPC.queueSize = try reader.int("WS_QUEUE_SIZE", default: 4_096, range: 16...1_000_000)
        webSocketRPC.queueBytes = try reader.int("WS_QUEUE_BYTES", default: 16 << 20, range: 64 << 10...(1 << 30))
        webSocketRPC.pingInterval = .seconds(try reader.int("WS_PING_INTERVAL_SECONDS", default: 20, range: 1...3_600))
        webSocketRPC.maxBackfillBlocks = UInt64(try reader.int("WS_MAX_BACKFILL_BLOCKS", default: 10_000, range: 1...1_000_000))
    }

    /// The key file a setting names; an empty value is unset. Errors name the setting.
    static func key(_ reader: ConfigurationReader, _ setting: String) throws(ConfigurationError) -> Ed25519.PrivateKey? {
        guard let path = reader.string(setting), !path.isEmpty else { return nil }
        do {
            return try KeyFile.load(path: path, setting: setting)
        } catch {
            if case .unreadableFile(let path, let reason) = error { throw .invalid(setting: setting, reason: "cannot read \(path): \(reason)") }
            throw error
        }
    }

    /// What an operator should hear about at start-up: settings that are valid but probably
    /// not what was meant.
    public var startupWarnings: [String] {
        var warnings: [String] = []
        if let proposerKey, !genesis.authorities.contains(where: { $0.publicKey == proposerKey.publicKey }) {
            warnings.append("PROPOSER_KEY_FILE names a key that is not an authority in genesis: this node follows only and proposes no blocks")
        }
        if faucetEnabled, let faucetKey, !genesis.accounts.contains(where: { $0.address == Address(publicKey: faucetKey.publicKey) }) {
            warnings.append("FAUCET_KEY_FILE's account has no genesis balance: the faucet will refuse until it is funded")
        }
        if p2p.enabled, p2p.bootstrapPeers.isEmpty, !(proposerKey.map { key in genesis.authorities.contains { $0.publicKey == key.publicKey } } ?? false) {
            warnings.append("this follower has no BOOTSTRAP_PEERS: it receives no blocks until a peer connects or one is added (POST /admin/peers/add)")
        }
        if host != "127.0.0.1", host != "::1", host != "localhost" {
            warnings.append("RPC_BIND_HOST \(host) accepts connections from other hosts" + (faucetEnabled ? ", with the faucet on" : ""))
        }
        let now = UInt64(max(0, Date().timeIntervalSince1970))
        if genesis.timestamp > now + 60 {
            warnings.append("the genesis timestamp is \(genesis.timestamp - now) s in the future: no block comes before then")
        }
        return warnings
    }

    /// Settings for tests and embedding: `genesis` given directly.
    public init(genesis: GenesisDocument, databasePath: String, proposerKey: Ed25519.PrivateKey?) {
        self.genesis = genesis
        self.databasePath = databasePath
        self.proposerKey = proposerKey
        port = 0
    }

    /// The settings, secrets replaced by whether they are set.
    public var description: String {
        "chain_id=\(genesis.chainID) genesis=\(genesisPath) db=\(databasePath) rpc=\(host):\(port) "
            + "proposer=\(proposerKey.map { Address(publicKey: $0.publicKey).rawValue } ?? "none (follower)") "
            + "mempool=\(mempoolLimits.maxTransactions)txs/\(mempoolLimits.maxBytes)B faucet=\(faucetEnabled) p2p=\(p2p.enabled ? "\(p2p.host):\(p2p.port) peers=\(p2p.bootstrapPeers.count)" : "off") admin_token=\(adminToken == nil ? "unset" : "set")"
    }
}
