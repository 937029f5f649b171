import Cryptography
import JSON
public import Ledger
import SQLite
public import WireModels

extension ChainStore {
    /// One produced block's rows.
    public struct BlockRows: Sendable {
        public var block: StoredBlock
        /// In block order.
        public var transactions: [VerifiedTransaction]
        public var recipients: [String]
        public var accounts: [AccountState]
        public var claims: [BlockExecution.IncludedClaim]

        /// The rows of `block`, whose `transactions` `execution` applied (produced or imported
        /// alike): the recipient of a claim is the payout address its receipt minted to.
        init(block: StoredBlock, transactions: [VerifiedTransaction], execution: BlockExecution) {
            let claimsByID = Dictionary(execution.claims.map { ($0.txID, $0.claim.miner.rawValue) }, uniquingKeysWith: { first, _ in first })
            self.block = block
            self.transactions = transactions
            recipients = transactions.map { transaction -> String in
                if case .transfer(let to, _) = transaction.message.payload { return to.rawValue }
                return claimsByID[transaction.id] ?? ""
            }
            accounts = Array(execution.changedAccounts.values)
            claims = execution.claims
        }
    }

    /// Writes a block and everything it changed, inside the caller's transaction (the block's
    /// one write transaction: all of it lands, or none). The persisted mempool rows of its
    /// transactions are deleted after it is published (`deletePending`): a crash in between
    /// leaves rows that the reload finds already included and deletes.
    /// - Throws: `SQLiteError` (a UNIQUE (sender, nonce) or height conflict included).
    static func write(_ rows: BlockRows, connection: Connection) throws {
        try insert(block: rows.block, connection: connection)
        let height = Int64(rows.block.height)
        let insertTx = try connection.cachedStatement(
            "INSERT INTO tx(tx_hash, block_height, position, type, sender, recipient, nonce, fee, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for (position, transaction) in rows.transactions.enumerated() {
            let message = transaction.message
            try insertTx.execute([
                transaction.id.rawValue, height, Int64(position), message.type.rawValue, message.sender.rawValue,
                position < rows.recipients.count ? rows.recipients[position] : "", Int64(message.nonce), Int64(message.fee), transaction.text,
            ])
        }
        try writeUndo(height: height, accounts: rows.accounts, connection: connection)
        let upsert = try connection.cachedStatement(
            """
            INSERT INTO account(address, balance, nonce, updated_height) VALUES (?, ?, ?, ?)
            ON CONFLICT(address) DO UPDATE SET balance = excluded.balance, nonce = excluded.nonce, updated_height = excluded.updated_height
            """)
        for account in rows.accounts {
            try upsert.execute([account.address.rawValue, Int64(account.balance), Int64(account.nonce), height])
        }
        let insertReceipt = try connection.cachedStatement(
            """
            INSERT INTO receipt(receipt_id, job_id, tx_hash, block_height, miner_address, coordinator_address, minted_amount,
                                coordinator_amount, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let bodies = Dictionary(rows.transactions.map { ($0.id, $0.message) }, uniquingKeysWith: { first, _ in first })
        for included in rows.claims {
            var payload = "{}"
            if case .receiptClaim(let receipt)? = bodies[included.txID]?.payload, let bytes = try? JSONSerializer().serialize(receipt) {
                payload = String(decoding: bytes, as: UTF8.self)
            }
            let claim = included.claim
            try insertReceipt.execute([
                claim.receiptID.rawValue, claim.jobID, included.txID.rawValue, height, claim.miner.rawValue, claim.coordinator.rawValue,
                Int64(claim.minted), Int64(claim.coordinatorAmount), payload,
            ])
        }
    }

    /// Records the state of `accounts` before block `height` changes them (`block_undo`),
    /// read from the table the block's rows have not touched yet.
    /// - Throws: `SQLiteError`.
    static func writeUndo(height: Int64, accounts: [AccountState], connection: Connection) throws {
        let prior = try connection.cachedStatement("SELECT balance, nonce, updated_height FROM account WHERE address = ?")
        let insert = try connection.cachedStatement(
            "INSERT INTO block_undo(height, address, existed, balance, nonce, updated_height) VALUES (?, ?, ?, ?, ?, ?)")
        for account in accounts {
            if let row = try prior.first([account.address.rawValue]) {
                let balance: Int64 = try row.get(0)
                let nonce: Int64 = try row.get(1)
                let updated: Int64 = try row.get(2)
                try insert.execute([height, account.address.rawValue, Int64(1), balance, nonce, updated])
            } else {
                try insert.execute([height, account.address.rawValue, Int64(0), Int64(0), Int64(0), Int64(0)])
            }
        }
    }

    /// What unwinding one block removed.
    struct Unwound: Sendable {
        var block: StoredBlock
        /// In block order.
        var transactions: [TransactionMessage]
        /// Accounts put back to their state before the block.
        var restored: [AccountState]
        /// Accounts the block created, deleted again.
        var deleted: [Address]
    }

    /// Unwinds the head block inside the caller's transaction (a reorg's): its accounts back
    /// to their prior state from `block_undo`, then its receipts, transactions, undo rows and
    /// block row deleted.
    /// - Throws: `ChainStoreError.corrupt` (no block, or a body that does not decode), `SQLiteError`.
    static func unwindHead(connection: Connection, chainID: String) throws -> Unwound {
        guard let block = try head(connection, chainID: chainID), block.height > 0 else { throw ChainStoreError.corrupt("no block to unwind") }
        let height = Int64(block.height)
        var restored: [AccountState] = []
        var deleted: [Address] = []
        let update = try connection.cachedStatement("UPDATE account SET balance = ?, nonce = ?, updated_height = ? WHERE address = ?")
        let remove = try connection.cachedStatement("DELETE FROM account WHERE address = ?")
        for row in try connection.cachedStatement("SELECT address, existed, balance, nonce, updated_height FROM block_undo WHERE height = ?").query([height]) {
            let text: String = try row.get(0)
            let existed: Int64 = try row.get(1)
            let balance: Int64 = try row.get(2)
            let nonce: Int64 = try row.get(3)
            let updated: Int64 = try row.get(4)
            guard let address = Address(text) else { throw ChainStoreError.corrupt("block_undo \(height): malformed address") }
            if existed == 1 {
                try update.execute([balance, nonce, updated, text])
                restored.append(AccountState(address: address, balance: UInt64(max(0, balance)), nonce: UInt64(max(0, nonce))))
            } else {
                try remove.execute([text])
                deleted.append(address)
            }
        }
        let bodies = try connection.cachedStatement("SELECT body FROM tx WHERE block_height = ? ORDER BY position").query([height])
        let transactions = try bodies.map { row throws -> TransactionMessage in
            let text: String = try row.get(0)
            guard let message = try? TransactionMessage(bytes: Array(text.utf8)) else {
                throw ChainStoreError.corrupt("block \(height): a transaction body does not decode")
            }
            return message
        }
        try connection.cachedStatement("DELETE FROM receipt WHERE block_height = ?").execute([height])
        try connection.cachedStatement("DELETE FROM tx WHERE block_height = ?").execute([height])
        try connection.cachedStatement("DELETE FROM block_undo WHERE height = ?").execute([height])
        try connection.cachedStatement("DELETE FROM block WHERE height = ?").execute([height])
        return Unwound(block: block, transactions: transactions, restored: restored, deleted: deleted)
    }

    // MARK: the persisted mempool

    /// Saves admitted transactions (one transaction for the whole batch), keyed by arrival
    /// number: rows are appended at the end of the table, never at a random place.
    /// - Throws: `SQLiteError` (an arrival number already stored is a bug, not overwritten).
    public func persistPending(_ entries: [(id: TxHash, arrival: UInt64, body: String)]) async throws {
        guard !entries.isEmpty else { return }
        try await database.write { connection in
            let statement = try connection.cachedStatement("INSERT INTO mempool(arrival, tx_hash, body) VALUES (?, ?, ?)")
            for entry in entries { try statement.execute([Int64(clamping: entry.arrival), entry.id.rawValue, entry.body]) }
        }
    }

    /// Forgets pending transactions (replaced or dropped) by arrival number.
    /// - Throws: `SQLiteError`.
    public func deletePending(_ arrivals: [UInt64]) async throws {
        guard !arrivals.isEmpty else { return }
        try await database.writeWithoutTransaction { connection in try Self.deletePending(arrivals, connection: connection) }
    }

    /// `deletePending` on the writer connection, in a transaction of its own.
    /// - Throws: `SQLiteError`.
    static func deletePending(_ arrivals: [UInt64], connection: Connection) throws {
        guard !arrivals.isEmpty else { return }
        try connection.transaction(.immediate) { connection in
            let statement = try connection.cachedStatement("DELETE FROM mempool WHERE arrival = ?")
            for arrival in arrivals { try statement.execute([Int64(clamping: arrival)]) }
        }
    }

    /// Forgets every persisted pending transaction up to arrival number `arrival` (after a reload re-persisted the kept ones).
    /// - Throws: `SQLiteError`.
    public func deletePending(upTo arrival: UInt64) async throws {
        try await database.write { connection in
            try connection.execute("DELETE FROM mempool WHERE arrival <= ?", [Int64(clamping: arrival)])
        }
    }

    /// Every persisted pending transaction, oldest first.
    /// - Throws: `SQLiteError`.
    public func loadPending() async throws -> [(arrival: UInt64, body: String)] {
        try await database.read { connection in
            try connection.query("SELECT arrival, body FROM mempool ORDER BY arrival").map { row in
                let arrival: Int64 = try row.get(0)
                return (UInt64(max(0, arrival)), try row.get(1) as String)
            }
        }
    }

    /// Every block from `height` up, with its transactions' bodies, for re-execution.
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    public func blocks(from height: UInt64, limit: Int) async throws -> [(StoredBlock, [TransactionMessage])] {
        let chainID = genesis.chainID
        return try await database.read { connection in
            let rows = try connection.query(
                "SELECT \(StoredBlock.columns) FROM block WHERE height >= ? ORDER BY height LIMIT ?", [Int64(height), Int64(limit)])
            return try rows.map { row in
                let block = try StoredBlock(row: row, chainID: chainID)
                let bodies = try connection.cachedStatement("SELECT body FROM tx WHERE block_height = ? ORDER BY position").query([Int64(block.height)])
                let messages = try bodies.map { row throws -> TransactionMessage in
                    let text: String = try row.get(0)
                    guard let message = try? TransactionMessage(bytes: Array(text.utf8)) else {
                        throw ChainStoreError.corrupt("block \(block.height): a transaction body does not decode")
                    }
                    return message
                }
                return (block, messages)
            }
        }
    }

    /// One stored claimed-receipt row, for comparison with re-execution.
    public struct ReceiptRow: Sendable {
        public var receiptID: ReceiptID
        public var miner: Address
        public var minted: UInt64
        public var coordinatorAmount: UInt64
    }

    /// Every claimed-receipt row.
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    public func allReceipts() async throws -> [ReceiptRow] {
        try await database.read { connection in
            try connection.query("SELECT receipt_id, miner_address, minted_amount, coordinator_amount FROM receipt").map { row in
                guard let id = ReceiptID(try row.get(0) as String), let miner = Address(try row.get(1) as String) else {
                    throw ChainStoreError.corrupt("receipt row: malformed id or address")
                }
                let minted: Int64 = try row.get(2)
                let cut: Int64 = try row.get(3)
                return ReceiptRow(receiptID: id, miner: miner, minted: UInt64(max(0, minted)), coordinatorAmount: UInt64(max(0, cut)))
            }
        }
    }

    /// Claims in blocks without their receipt row (a deleted row would let a receipt mint twice).
    /// - Throws: `SQLiteError`.
    public func claimsWithoutReceiptRow() async throws -> [TxHash] {
        try await database.read { connection in
            try connection.query(
                "SELECT tx_hash FROM tx WHERE type = 'RECEIPT_CLAIM' AND tx_hash NOT IN (SELECT tx_hash FROM receipt) LIMIT 20"
            ).compactMap { row in Hash32(try row.get(0) as String) }
        }
    }
}
