import Ledger
import SQLite
import WireModels

extension ChainStore {
    /// The transactions of block `height` in block order, as `transaction(_:)` reads each (the
    /// WebSocket RPC's `since` backfill: the same rows as `GET /rpc/tx/{hash}`).
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    func transactions(height: UInt64) async throws -> [IncludedTransaction] {
        guard height <= UInt64(Int64.max) else { return [] }
        return try await database.read { connection in
            try connection.cachedStatement(
                "SELECT tx.body, tx.tx_hash, tx.recipient, block.time_ms FROM tx JOIN block ON block.height = tx.block_height "
                    + "WHERE tx.block_height = ? ORDER BY tx.position"
            ).query([Int64(height)]).map { row in
                let body: String = try row.get(0)
                let hash: String = try row.get(1)
                let time: Int64 = try row.get(3)
                guard let id = Hash32(hash), let message = try? TransactionMessage(bytes: Array(body.utf8)) else {
                    throw ChainStoreError.corrupt("tx \(hash) in block \(height): id or body does not decode")
                }
                return IncludedTransaction(message: message, id: id, blockHeight: height, recipient: try row.get(2), blockTimeMilliseconds: UInt64(max(0, time)))
            }
        }
    }
}
