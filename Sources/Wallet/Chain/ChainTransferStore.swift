import SQLite
import WireModels

/// The `chain_transfers` table (`WalletChainSchema`): the transfers this wallet sent, tracked
/// from submission until a block includes them or the node drops them.
///
/// A row is written before its transaction is sent, so a daemon that dies mid-send still knows
/// the transaction and learns its fate on the next `NodeChainAdapter.refreshPending`; a row
/// whose transaction the node refused outright is deleted (its nonce was never used).
struct ChainTransferStore: Sendable {
    /// One row.
    struct Row: Sendable, Equatable {
        var txHash: TxHash
        var chainID: String
        var sender: Address
        var recipient: Address
        var amount: UInt64
        var fee: UInt64
        var nonce: UInt64
        var status: TransferStatus
        var blockHeight: UInt64?
        var createdAt: String

        /// As the adapter reports it.
        var transfer: LedgerTransfer {
            LedgerTransfer(
                mode: .chain, id: txHash.rawValue, from: sender, to: recipient, amount: LedgerAmount(units: amount), fee: fee, nonce: nonce,
                status: status, blockHeight: blockHeight, createdAt: createdAt)
        }
    }

    let database: Database

    static let columns = "tx_hash, chain_id, sender, recipient, amount, fee, nonce, status, block_height, created_at"

    /// Records a transfer about to be sent, as pending (a repeat of the same hash is kept once).
    /// - Throws: `ChainAdapterError.storage`.
    func insert(_ row: Row) async throws(ChainAdapterError) {
        try await write { connection in
            try connection.execute(
                "INSERT OR IGNORE INTO chain_transfers(\(Self.columns), updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', NULL, ?, ?)",
                [
                    row.txHash.rawValue, row.chainID, row.sender.rawValue, row.recipient.rawValue, row.amount, row.fee, row.nonce,
                    row.createdAt, row.createdAt,
                ])
        }
    }

    /// Forgets a transfer the node refused (it never took its nonce).
    /// - Throws: `ChainAdapterError.storage`.
    func delete(_ hash: TxHash) async throws(ChainAdapterError) {
        try await write { connection in try connection.execute("DELETE FROM chain_transfers WHERE tx_hash = ?", [hash.rawValue]) }
    }

    /// Sets a transfer's status (and block height), at `time`.
    /// - Throws: `ChainAdapterError.storage`.
    func update(_ hash: TxHash, status: TransferStatus, blockHeight: UInt64?, time: String) async throws(ChainAdapterError) {
        try await write { connection in
            try connection.execute(
                "UPDATE chain_transfers SET status = ?, block_height = ?, updated_at = ? WHERE tx_hash = ?",
                [status.rawValue, blockHeight, time, hash.rawValue])
        }
    }

    /// The row of `hash`.
    /// - Throws: `ChainAdapterError.storage`.
    func row(_ hash: TxHash) async throws(ChainAdapterError) -> Row? {
        try await read { connection in
            try connection.queryOne("SELECT \(Self.columns) FROM chain_transfers WHERE tx_hash = ?", [hash.rawValue]).map(Self.decode)
        }
    }

    /// Pending rows, oldest first, at most `limit`; only `sender`'s when given.
    /// - Throws: `ChainAdapterError.storage`.
    func pending(sender: Address? = nil, limit: Int) async throws(ChainAdapterError) -> [Row] {
        try await read { connection in
            let rows: [SQLite.Row]
            if let sender {
                rows = try connection.query(
                    "SELECT \(Self.columns) FROM chain_transfers WHERE status = 'pending' AND sender = ? ORDER BY nonce LIMIT ?",
                    [sender.rawValue, limit])
            } else {
                rows = try connection.query(
                    "SELECT \(Self.columns) FROM chain_transfers WHERE status = 'pending' ORDER BY created_at, nonce LIMIT ?", [limit])
            }
            return try rows.map(Self.decode)
        }
    }

    /// How many of `sender`'s transfers are pending.
    /// - Throws: `ChainAdapterError.storage`.
    func pendingCount(sender: Address) async throws(ChainAdapterError) -> Int {
        try await read { connection in
            try connection.queryOne("SELECT count(*) FROM chain_transfers WHERE status = 'pending' AND sender = ?", [sender.rawValue])?
                .get(0, as: Int.self) ?? 0
        }
    }

    /// Transfers from or to `address`, newest first.
    /// - Throws: `ChainAdapterError.storage`.
    func history(of address: Address, limit: Int) async throws(ChainAdapterError) -> [Row] {
        try await read { connection in
            try connection.query(
                """
                SELECT \(Self.columns) FROM chain_transfers WHERE sender = ? OR recipient = ?
                ORDER BY created_at DESC, nonce DESC LIMIT ?
                """, [address.rawValue, address.rawValue, limit]
            ).map(Self.decode)
        }
    }

    static func decode(_ row: SQLite.Row) throws -> Row {
        let hash: String = try row.get(0)
        let sender: String = try row.get(2)
        let recipient: String = try row.get(3)
        let status: String = try row.get(7)
        guard let txHash = TxHash(hash), let from = Address(sender), let to = Address(recipient),
            let parsed = TransferStatus(rawValue: status)
        else { throw ChainAdapterError.storage("chain_transfers row \(hash) does not decode") }
        return Row(
            txHash: txHash, chainID: try row.get(1), sender: from, recipient: to, amount: try row.get(4), fee: try row.get(5),
            nonce: try row.get(6), status: parsed, blockHeight: try row.get(8), createdAt: try row.get(9))
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws(ChainAdapterError) -> T {
        do {
            return try await database.write(body)
        } catch {
            throw Self.storage(error)
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws(ChainAdapterError) -> T {
        do {
            return try await database.read(body)
        } catch {
            throw Self.storage(error)
        }
    }

    static func storage(_ error: any Error) -> ChainAdapterError {
        if let error = error as? ChainAdapterError { return error }
        return .storage(String(describing: error))
    }
}
