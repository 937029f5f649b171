import AITBCClient
import ChainNode
import Cryptography
import Ledger
import Logging
import SQLite
import Synchronization
import TestSupport
import Wallet
import WireModels

/// A clock that never wakes the proposer: the chain tests produce blocks themselves.
struct ManualChainClock: ChainClock {
    func nowMilliseconds() -> UInt64 { 1_800_000_000_000 }
    func sleep(milliseconds: UInt64) async throws {
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3_600)) }
        throw CancellationError()
    }
}

/// A real one-authority chain node on a loopback port whose genesis funds `accounts`; blocks
/// are made when a test calls `produceBlock`, so what is pending and what is included is the
/// test's to decide.
final class ChainTestNode: Sendable {
    static let chainID = "ait-wallet-tests"

    let directory: TemporaryDirectory
    let genesis: GenesisDocument
    let service: ChainNodeService
    let client: ChainClient
    private let nextBlockTime = Mutex<UInt64>(1_800_000_000_000)

    /// A node funding `accounts`, with the default fee rule (10 + 1 per payload byte), trusting
    /// receipts signed by `coordinatorKeys`.
    init(accounts: [Address: UInt64], coordinatorKeys: [Ed25519.PublicKey] = []) async throws {
        directory = try TemporaryDirectory(prefix: "aitbc-wallet-chain")
        let authority = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 1, count: 32))
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = 100
        genesis = GenesisDocument(
            chainID: Self.chainID, timestamp: 1_800_000_000, authorities: [GenesisDocument.Authority(publicKey: authority.publicKey)],
            accounts: accounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { GenesisDocument.Account(address: $0.key, balance: $0.value) },
            parameters: parameters, coordinatorKeys: coordinatorKeys)
        try genesis.validate()
        let configuration = ChainNodeConfiguration(genesis: genesis, databasePath: directory.path("chain.db"), proposerKey: authority)
        let logger = Logger(label: "wallet-chain-node") { _ in SwiftLogNoOpLogHandler() }
        service = try await ChainNodeService.open(configuration: configuration, clock: ManualChainClock(), logger: logger)
        try await service.start()
        client = ChainClient(configuration: ChainConfiguration(baseURL: "http://127.0.0.1:\(service.port ?? 0)", chainID: Self.chainID))
    }

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { client.transport.configuration.baseURL }

    /// Commits the mempool in a block; its height.
    @discardableResult
    func produceBlock() async throws -> UInt64 {
        let time = nextBlockTime.withLock { time in
            time += genesis.parameters.blockTimeMilliseconds
            return time
        }
        return try await service.chain.produceBlock(timeMilliseconds: time).block.height
    }

    /// The account of `address` as the node's domain API reports it.
    func account(_ address: Address) async throws -> AccountView { try await service.chain.account(address) }

    /// A wallet ledger DB with the chain adapter's tables, in this node's directory.
    func walletDatabase(_ name: String = "wallet_ledger.db") async throws -> Database {
        try await Database.open(path: directory.path(name), migrator: Migrator([WalletChainSchema.migration(version: 1)]))
    }

    /// Stops the node and its client.
    func stop() async {
        await client.shutdown()
        await service.shutdown()
    }
}

/// A deterministic key from one repeated byte.
func testKey(_ byte: UInt8) throws -> Ed25519.PrivateKey { try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: byte, count: 32)) }
