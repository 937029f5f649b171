import Ledger
import SQLite
public import WireModels

extension ChainStore {
    /// Consecutive blocks from `start` through at most `end`, each with its signed transactions in
    /// block order, read in one snapshot. Stops before the block that would carry the bodies past
    /// `maxBytes` (the first block is always returned, so a large block cannot stall a syncing
    /// peer) and after `maxBlocks`.
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt` for a body that no longer decodes.
    public func fullBlocks(from start: UInt64, through end: UInt64, maxBlocks: Int, maxBytes: Int) async throws -> [FullBlock] {
        guard start <= end, start <= UInt64(Int64.max), maxBlocks > 0 else { return [] }
        let chainID = genesis.chainID
        let last = min(end, UInt64(Int64.max))
        return try await database.read { connection in
            var blocks: [FullBlock] = []
            var bytes = 0
            let blockRows = try connection.cachedStatement(
                "SELECT \(StoredBlock.columns) FROM block WHERE height BETWEEN ? AND ? ORDER BY height LIMIT ?"
            ).query([Int64(start), Int64(last), Int64(maxBlocks)]).map { try StoredBlock(row: $0, chainID: chainID) }
            let bodies = try connection.cachedStatement("SELECT tx_hash, body FROM tx WHERE block_height = ? ORDER BY position")
            for (index, block) in blockRows.enumerated() {
                // A gap means the table was edited: stop at it rather than hand a peer a broken range.
                guard block.height == start + UInt64(index) else { break }
                var txs: [TransactionMessage] = []
                var size = 0
                try bodies.forEach([Int64(block.height)]) { row in
                    let body: String = try row.get(1)
                    size += body.utf8.count
                    do {
                        txs.append(try TransactionMessage(bytes: Array(body.utf8)))
                    } catch {
                        throw ChainStoreError.corrupt("tx \(try row.get(0) as String): body does not decode")
                    }
                }
                if !blocks.isEmpty, bytes + size > maxBytes { break }
                bytes += size + 700
                blocks.append(block.fullBlock(txs: txs))
            }
            return blocks
        }
    }
}
