import ChainNode
import Cryptography
import Foundation
import Ledger
import Logging
import MetricsTestKit
import SQLite
import Synchronization
import TestSupport
import Testing
import WireModels

/// Three authorities on one genesis (block time 2 s, slot timeout 4 s unless set), each node a
/// Chain on its own SQLite file in one temporary directory. `ChainFixture` (same chain id,
/// coordinator key and parameters) signs the transactions and receipts.
struct AuthorityNetwork {
    let base: ChainFixture
    let keys: [Ed25519.PrivateKey]
    /// A funded account besides the faucet.
    let spender: Ed25519.PrivateKey
    let genesis: GenesisDocument
    let directory: TemporaryDirectory

    init(slotTimeout: UInt64? = nil) throws {
        base = try ChainFixture()
        keys = try (1...3).map { try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: UInt8(10 + $0), count: 32)) }
        spender = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 20, count: 32))
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = 2_000
        parameters.slotTimeoutSetting = slotTimeout
        genesis = GenesisDocument(
            chainID: base.genesis.chainID, timestamp: base.genesis.timestamp, authorities: keys.map { .init(publicKey: $0.publicKey) },
            accounts: [
                .init(address: ChainFixture.address(base.faucet), balance: ChainFixture.faucetBalance),
                .init(address: ChainFixture.address(spender), balance: 1_000_000),
            ],
            parameters: parameters, coordinatorKeys: [base.coordinator.publicKey])
        try genesis.validate()
        directory = try TemporaryDirectory(prefix: "chain-authorities")
    }

    /// Block 0's time.
    var start: UInt64 { genesis.timestamp * 1_000 }

    func path(_ name: String) -> String { directory.path("\(name).db") }

    /// Node `name`, proposing with `keys[authority]` (nil: a follower).
    func open(
        _ name: String, authority: Int?, metrics: TestMetrics = TestMetrics(), clock: (any ChainClock)? = nil,
        forkChoice: Chain.ForkChoiceSettings = Chain.ForkChoiceSettings()
    ) async throws -> Chain {
        try await Chain.open(
            path: path(name), genesis: genesis, proposerKey: authority.map { keys[$0] }, metrics: ChainMetrics(factory: metrics), clock: clock,
            forkChoice: forkChoice, logger: Logger(label: name))
    }

    /// The stored block at `height` as a peer would send it.
    static func offered(_ chain: Chain, height: UInt64) async throws -> Chain.OfferedBlock {
        let (block, ids) = try #require(try await chain.store.block(height: height))
        var transactions: [TransactionMessage] = []
        for id in ids { transactions.append(try #require(try await chain.store.transaction(id)).message) }
        return (block.header, block.signature, transactions)
    }

    /// Blocks `range` of `chain`, as a peer would send them.
    static func offered(_ chain: Chain, _ range: ClosedRange<UInt64>) async throws -> [Chain.OfferedBlock] {
        var blocks: [Chain.OfferedBlock] = []
        for height in range { blocks.append(try await offered(chain, height: height)) }
        return blocks
    }

    /// Every row of the chain's tables but the persisted mempool, in key order: two nodes with
    /// equal dumps hold the same chain and the same state.
    static func dump(_ chain: Chain) async throws -> [String: [String]] {
        let tables = [
            "block": "height", "tx": "block_height, position", "account": "address", "receipt": "receipt_id", "block_undo": "height, address",
        ]
        return try await chain.store.database.read { connection in
            var out: [String: [String]] = [:]
            for (table, order) in tables {
                out[table] = try connection.query("SELECT * FROM \(table) ORDER BY \(order)").map { row in
                    try (0..<row.count).map { index -> String in
                        if let text = try? row.get(index) as String { return text }
                        return String(try row.get(index) as Int64)
                    }.joined(separator: "|")
                }
            }
            return out
        }
    }
}

/// Collects the chain's events.
final class EventLog: Sendable {
    private let events = Mutex<[ChainEvent]>([])

    init(_ chain: Chain) {
        chain.events.add { [weak self] event in self?.events.withLock { $0.append(event) } }
    }

    /// The events so far, described: `reverted:h,h`, `committed:h`, `admitted:n`.
    var summary: [String] {
        events.withLock { events in
            events.map { event in
                switch event {
                case .blockCommitted(let block): "committed:\(block.block.height)"
                case .blocksReverted(let blocks): "reverted:" + blocks.map { "\($0.height)" }.joined(separator: ",")
                case .transactionsAdmitted(let transactions): "admitted:\(transactions.count)"
                }
            }
        }
    }
}
