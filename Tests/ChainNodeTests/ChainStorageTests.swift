import ChainNode
import Cryptography
import Foundation
import JSON
import Ledger
import Receipts
import SQLite
import Testing
import WireModels

/// The chain database's layout (migration 2: `tx` in block order, the persisted mempool in
/// arrival order) and what the persisted mempool holds across blocks and restarts.
@Suite struct ChainStorageTests {
    /// The persisted mempool's rows, oldest first.
    static func pendingRows(_ path: String) async throws -> [(arrival: Int64, id: String)] {
        let database = try Database(path: path)
        return try await database.read { connection in
            try connection.query("SELECT arrival, tx_hash FROM mempool ORDER BY arrival").map { row in (try row.get(0), try row.get(1)) }
        }
    }

    @Test func aVersion1DatabaseMigratesWithItsBlocksReceiptsAndPendingTransactions() async throws {
        let fixture = try ChainFixture()
        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        let miner = Ed25519.PrivateKey.generate()
        let transfer: TxHash
        let claim: TxHash
        let pending: TxHash
        do {
            let chain = try await fixture.open()
            transfer = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: bob, amount: 5, nonce: 1)).txHash
            claim = try await chain.submit(try fixture.claim(try fixture.receipt(miner: miner), from: miner, nonce: 1)).txHash
            _ = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
            pending = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: bob, amount: 7, nonce: 2)).txHash
        }
        // Back to the layout version 1 shipped: `tx` and `mempool` keyed by hash. Foreign keys
        // off: `receipt` refers to `tx` by name and keeps doing so across the swap.
        var configuration = Database.Configuration()
        configuration.foreignKeys = false
        let database = try Database(path: fixture.databasePath, configuration: configuration)
        try await database.writeWithoutTransaction { connection in
            try connection.executeScript(
                """
                BEGIN IMMEDIATE;
                CREATE TABLE tx_v1(
                    tx_hash TEXT PRIMARY KEY NOT NULL CHECK (length(tx_hash) = 66),
                    block_height INTEGER NOT NULL REFERENCES block(height),
                    position INTEGER NOT NULL CHECK (position >= 0),
                    type TEXT NOT NULL CHECK (type IN ('TRANSFER', 'RECEIPT_CLAIM')),
                    sender TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    nonce INTEGER NOT NULL CHECK (nonce >= 1),
                    fee INTEGER NOT NULL CHECK (fee >= 0),
                    body TEXT NOT NULL,
                    UNIQUE (block_height, position),
                    UNIQUE (sender, nonce)
                ) WITHOUT ROWID;
                INSERT INTO tx_v1 SELECT tx_hash, block_height, position, type, sender, recipient, nonce, fee, body FROM tx;
                DROP TABLE tx;
                ALTER TABLE tx_v1 RENAME TO tx;
                CREATE TABLE mempool_v1(tx_hash TEXT PRIMARY KEY NOT NULL, arrival INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;
                INSERT INTO mempool_v1 SELECT tx_hash, arrival, body FROM mempool;
                DROP TABLE mempool;
                ALTER TABLE mempool_v1 RENAME TO mempool;
                DROP TABLE IF EXISTS block_undo;
                DROP TABLE IF EXISTS peers;
                PRAGMA user_version = 1;
                COMMIT;
                """)
        }
        let chain = try await fixture.open()
        #expect(try await database.read { try Migrator.currentVersion(of: $0) } == ChainSchema.migrator.latestVersion)
        #expect(try await chain.transaction(transfer).status == .included)
        #expect(try await chain.transaction(claim).status == .included)
        #expect(try await chain.receipt(try #require(ReceiptID(String(repeating: "a", count: 32)))).txHash == claim)
        #expect(try await chain.transaction(pending).status == .pending)
        #expect(try await Self.pendingRows(fixture.databasePath).map(\.id) == [pending.rawValue])
        // Every block still re-executes to its roots, and the next one builds on it.
        #expect(try await ChainReplay(store: chain.store).run().transactions == 2)
        #expect(try await chain.produceBlock(timeMilliseconds: 1_800_000_004_000).included == [pending])
        #expect(try await ChainReplay(store: chain.store).run().transactions == 3)
    }

    @Test func theRowsOfWhatABlockTookGoAndTheRestSurviveARestartInOrder() async throws {
        var parameters = ChainParameters()
        parameters.maxBlockTransactions = 2
        let fixture = try ChainFixture(parameters: parameters)
        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        var ids: [TxHash] = []
        do {
            let chain = try await fixture.open()
            for nonce in 1...4 {
                ids.append(try await chain.submit(try fixture.transfer(from: fixture.faucet, to: bob, amount: 1, nonce: UInt64(nonce))).txHash)
            }
            // The block takes the first two of the sender's run; the other two stay pending.
            #expect(try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000).included == Array(ids[0..<2]))
            #expect(chain.mempoolCount == 2)
            #expect(try await Self.pendingRows(fixture.databasePath).map(\.id) == ids[2...].map(\.rawValue))
        }
        let reopened = try await fixture.open()
        #expect(reopened.mempoolCount == 2)
        // Reloading re-persists the kept rows under new arrival numbers, in the same order, once.
        let rows = try await Self.pendingRows(fixture.databasePath)
        #expect(rows.map(\.id) == ids[2...].map(\.rawValue) && rows[0].arrival > 2)
        #expect(try await reopened.produceBlock(timeMilliseconds: 1_800_000_004_000).included == Array(ids[2...]))
        #expect(try await Self.pendingRows(fixture.databasePath).isEmpty)
        #expect(try await reopened.account(ChainFixture.address(fixture.faucet)).nonce == 4)
    }

    @Test func aReplacementTakesTheRowOfTheTransactionItReplaces() async throws {
        let fixture = try ChainFixture()
        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        let chain = try await fixture.open()
        let first = try fixture.transfer(from: fixture.faucet, to: bob, amount: 1, nonce: 1)
        _ = try await chain.submit(first)
        let better = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: bob, amount: 1, nonce: 1, fee: first.fee + 100)).txHash
        #expect(try await Self.pendingRows(fixture.databasePath).map(\.id) == [better.rawValue])
        #expect(try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000).included == [better])
    }

    @Test func theStoredBodyOfATransactionDecodesToTheSignedTransaction() async throws {
        let fixture = try ChainFixture()
        let message = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(fixture.coordinator), amount: 3, nonce: 1)
        let verified = try VerifiedTransaction(message, chainID: fixture.genesis.chainID)
        #expect(try TransactionMessage(bytes: Array(verified.text.utf8)) == message)
        // It is the canonical body the id is hashed over, with `sig` appended.
        let unsigned = try CanonicalJSON.bytes(of: message.unsignedJSON)
        #expect(Array(verified.text.utf8.prefix(unsigned.count - 1)) == Array(unsigned.dropLast()))
        #expect(SHA256.hash(unsigned) == verified.id.bytes)
    }
}
