public import AITBCClient
public import ChainNode
public import Cryptography
import Foundation
public import Ledger
import Logging
import Synchronization
public import TestSupport
public import WireModels

/// A clock that never wakes the proposer: tests produce blocks themselves.
public struct ManualChainClock: ChainClock {
    public init() {}

    public func nowMilliseconds() -> UInt64 { 1_800_000_000_000 }

    public func sleep(milliseconds: UInt64) async throws {
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3_600)) }
        throw CancellationError()
    }
}

/// A real one-authority chain node in this process on a loopback port, for the suites of
/// the services that use a chain (miner claims, wallet): its genesis funds `accounts` and
/// pins `coordinatorKeys`; blocks are made when a test calls `produceBlock`, or by the wall
/// clock every `block_time_ms` when it is `producing`.
public final class LoopbackChainNode: Sendable {
    public let directory: TemporaryDirectory
    public let genesis: GenesisDocument
    public let service: ChainNodeService
    public let client: ChainClient
    private let nextBlockTime: Mutex<UInt64>

    /// A started node; its database in a new temporary directory named from `directoryPrefix`.
    /// - Parameter producing: genesis now and blocks by the wall clock; else genesis at a fixed
    ///   time and blocks only from `produceBlock`.
    public init(
        chainID: String, directoryPrefix: String, accounts: [Address: UInt64], parameters: ChainParameters,
        coordinatorKeys: [Ed25519.PublicKey] = [], producing: Bool = false
    ) async throws {
        directory = try TemporaryDirectory(prefix: directoryPrefix)
        let authority = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 1, count: 32))
        let timestamp: UInt64 = producing ? UInt64(Date().timeIntervalSince1970) : 1_800_000_000
        genesis = GenesisDocument(
            chainID: chainID, timestamp: timestamp, authorities: [GenesisDocument.Authority(publicKey: authority.publicKey)],
            accounts: accounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { GenesisDocument.Account(address: $0.key, balance: $0.value) },
            parameters: parameters, coordinatorKeys: coordinatorKeys)
        try genesis.validate()
        nextBlockTime = Mutex(timestamp * 1_000)
        let configuration = ChainNodeConfiguration(genesis: genesis, databasePath: directory.path("chain.db"), proposerKey: authority)
        let logger = Logger(label: "loopback-chain-node") { _ in SwiftLogNoOpLogHandler() }
        service =
            producing
            ? try await ChainNodeService.open(configuration: configuration, logger: logger)
            : try await ChainNodeService.open(configuration: configuration, clock: ManualChainClock(), logger: logger)
        try await service.start()
        client = ChainClient(configuration: ChainConfiguration(baseURL: "http://127.0.0.1:\(service.port ?? 0)", chainID: chainID))
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { client.transport.configuration.baseURL }

    /// Commits the mempool in a block (`block_time_ms` after the last one); its height.
    @discardableResult
    public func produceBlock() async throws -> UInt64 {
        let time = nextBlockTime.withLock { time in
            time += genesis.parameters.blockTimeMilliseconds
            return time
        }
        return try await service.chain.produceBlock(timeMilliseconds: time).block.height
    }

    /// The account of `address` as the node's domain API reports it.
    public func account(_ address: Address) async throws -> AccountView { try await service.chain.account(address) }

    /// The balance of `address` on the chain.
    public func balance(_ address: Address) async throws -> UInt64 { try await account(address).balance }

    /// Stops the node and its client.
    public func stop() async {
        await client.shutdown()
        await service.shutdown()
    }
}
