import ChainNode
import ChainNodeTestSupport
import Cryptography
import Ledger
import SQLite
import TestSupport
import Wallet
import WireModels

/// The wallet suites' chain node: a real one-authority node on a loopback port whose genesis
/// funds `accounts`; blocks are made when a test calls `produceBlock`, so what is pending and
/// what is included is the test's to decide.
enum ChainTestNode {
    static let chainID = "ait-wallet-tests"

    /// A node funding `accounts`, with the default fee rule (10 + 1 per payload byte), trusting
    /// receipts signed by `coordinatorKeys`.
    static func start(accounts: [Address: UInt64], coordinatorKeys: [Ed25519.PublicKey] = []) async throws -> LoopbackChainNode {
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = 100
        return try await LoopbackChainNode(
            chainID: chainID, directoryPrefix: "aitbc-wallet-chain", accounts: accounts, parameters: parameters, coordinatorKeys: coordinatorKeys)
    }
}

extension LoopbackChainNode {
    /// A wallet ledger DB with the chain adapter's tables, in this node's directory.
    func walletDatabase(_ name: String = "wallet_ledger.db") async throws -> Database {
        try await Database.open(path: directory.path(name), migrator: Migrator([WalletChainSchema.migration(version: 1)]))
    }
}

/// A deterministic key from one repeated byte.
func testKey(_ byte: UInt8) throws -> Ed25519.PrivateKey { try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: byte, count: 32)) }
