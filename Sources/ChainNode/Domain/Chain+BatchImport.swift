import Cryptography
import Ledger
import Logging
import Sockets
import SQLite
import Synchronization
public import WireModels

extension Chain {
    /// What `importBlocks` did: how many blocks from the front were committed, and why the next
    /// one was refused (the rest of the batch is not tried: it cannot link).
    public struct BatchImportOutcome: Sendable {
        public var imported: [StoredBlock]
        /// The refused block's height and the reason (`BlockRejection`, or `ChainError.storage`).
        public var failure: (height: UInt64, error: any Error)?
    }

    /// Imports consecutive blocks as range sync and gossip receive them (spec N4/N5).
    ///
    /// Every header signature and transaction signature of the batch is verified first, in
    /// parallel on the verification threads — the CPU-bound part, so a late joiner's catch-up
    /// runs at the machine's Ed25519 rate rather than one core's. A transaction already in this
    /// node's mempool with the identical signature was verified at admission and is not verified
    /// again (a gossiped block's transactions usually arrived first as gossiped transactions).
    /// Then each block is checked against its parent, executed and committed in order exactly
    /// like `importBlock`; a refusal is counted by reason and stops the batch.
    public func importBlocks(_ blocks: [FullBlock]) async -> BatchImportOutcome {
        // Verification of the next slice overlaps the commit of this one: the writer thread
        // and the verification threads keep both cores busy.
        let slice = 32
        var imported: [StoredBlock] = []
        var start = blocks.startIndex
        var next: Task<[Prepared], Never>? = blocks.isEmpty ? nil : Task { await self.prepare(Array(blocks.prefix(slice))) }
        while let current = next {
            let prepared = await current.value
            let end = min(start + slice, blocks.endIndex)
            let following = end
            next = following < blocks.endIndex
                ? Task { await self.prepare(Array(blocks[following..<min(following + slice, blocks.endIndex)])) } : nil
            // The blocks up to the first that failed its stateless checks go in one commit.
            var ready: [(BlockHeader, [UInt8], [VerifiedTransaction])] = []
            var failure: (height: UInt64, error: any Error)?
            for (block, preparation) in zip(blocks[start..<end], prepared) {
                switch preparation {
                case .success(let checked): ready.append(checked)
                case .failure(let rejection): failure = (block.height, rejection)
                }
                if failure != nil { break }
            }
            do {
                let (committed, refused) = try await commitSlice(ready)
                imported += committed
                if let refused { failure = refused }
            } catch {
                failure = (ready.first?.0.height ?? blocks[start].height, error)
            }
            if let failure {
                next?.cancel()
                if let rejection = failure.error as? BlockRejection { countRejection(rejection, height: failure.height) }
                return BatchImportOutcome(imported: imported, failure: failure)
            }
            start = end
        }
        return BatchImportOutcome(imported: imported, failure: nil)
    }

    /// Checks, executes and commits consecutive blocks (signatures verified) in ONE SQLite
    /// transaction, each block under its own savepoint: a refused block is rolled back alone
    /// and the blocks before it commit. One commit per slice instead of per block is what
    /// makes catch-up fast — each block's random-keyed tx rows dirty pages all over the
    /// tables, and a commit writes every dirty page to the WAL, so per-block commits rewrote
    /// the same pages once per block. A crash loses at most the slice; sync resumes from the
    /// committed head.
    /// - Returns: the committed blocks and, when one was refused, its height and `BlockRejection`.
    /// - Throws: `ChainError.storage` (lock held, head moved), `SQLiteError` — nothing committed.
    private func commitSlice(_ slice: [(BlockHeader, [UInt8], [VerifiedTransaction])]) async throws -> (
        [StoredBlock], (height: UInt64, error: any Error)?
    ) {
        guard !slice.isEmpty else { return ([], nil) }
        try beginExclusive()
        defer { endExclusive() }
        let parent = head
        let genesis = self.genesis
        let startTree = stateTree.withLock { $0 }
        let (tree, committed, refused) = try await store.database.write {
            connection -> (StateTree, [CommittedBlock], (height: UInt64, error: any Error)?) in
            guard let top = try ChainStore.head(connection, chainID: genesis.chainID), top.hash == parent.hash else {
                throw ChainError.storage("the head moved during import")
            }
            var tree = startTree
            var previous = parent
            var committed: [CommittedBlock] = []
            for (header, signature, verified) in slice {
                do {
                    try self.checkHeader(header, signature: signature, parent: previous, signatureVerified: true)
                    try self.checkContents(header: header, verified: verified)
                    let done = try connection.savepoint { connection in
                        try self.apply(header: header, signature: signature, transactions: verified, connection: connection) { accounts in
                            for account in accounts { tree.update(account) }
                            return tree.root
                        }
                    }
                    committed.append(done)
                    previous = done.block
                } catch let rejection as BlockRejection {
                    // The refused block may have touched the tree: rebuild it from the slice's
                    // start and the blocks kept (rare; a copy per block would cost every block).
                    tree = startTree
                    for block in committed { for account in block.accounts { tree.update(account) } }
                    _ = tree.root
                    return (tree, committed, (header.height, rejection))
                }
            }
            return (tree, committed, nil)
        }
        guard let last = committed.last else { return ([], refused) }
        stateTree.withLock { $0 = tree }
        headBlock.withLock { $0 = last.block }
        var dropped: [UInt64] = []
        var parentTime = parent.header.timeMilliseconds
        for block in committed {
            events.emit(.blockCommitted(block))
            dropped += mempool.withLock { pool in
                // Pending transactions the block included or made unusable leave with their rows.
                pool.blockCommitted(height: block.block.height, selected: [], refused: [], accounts: block.accounts)
            }
            recordImported(block.block, parentTime: parentTime)
            parentTime = block.block.header.timeMilliseconds
        }
        metrics.mempool(count: mempoolCount, bytes: mempool.withLock { $0.bytes })
        if !dropped.isEmpty { try? await store.deletePending(dropped) }
        metrics.rejoined()
        return (committed.map(\.block), refused)
    }

    private typealias Prepared = Result<(BlockHeader, [UInt8], [VerifiedTransaction]), BlockRejection>

    /// Rebuilds each header (checking the claimed hash) and verifies every signature, in parallel.
    private func prepare(_ blocks: [FullBlock]) async -> [Prepared] {
        let chainID = genesis.chainID
        let maxTransactions = parameters.maxBlockTransactions
        // One work item per header and per transaction; each writes only its own slot.
        var items: [(block: Int, tx: Int)] = []
        for (blockIndex, block) in blocks.enumerated() {
            items.append((blockIndex, -1))
            guard block.txs.count <= maxTransactions else { continue }
            for txIndex in block.txs.indices { items.append((blockIndex, txIndex)) }
        }
        let work = items
        // Transactions verified at admission are not verified again; an empty pool (a late
        // joiner's) is not locked once per transaction to find that out.
        let lookup: (@Sendable (TxHash) -> VerifiedTransaction?)?
        if mempool.withLock({ $0.count }) == 0 {
            lookup = nil
        } else {
            lookup = { @Sendable [self] id in self.mempool.withLock { $0.transaction(id) } }
        }
        let headers = Mutex([Result<(BlockHeader, [UInt8]), BlockRejection>?](repeating: nil, count: blocks.count))
        let transactions = Mutex(blocks.map { [Result<VerifiedTransaction, TxRejection>?](repeating: nil, count: $0.txs.count) })
        let chunks = min(work.count, max(1, System.coreCount) * 4)
        await VerificationPool.shared.perform(chunks: chunks, lane: .block) { chunk in
            var localHeaders: [(Int, Result<(BlockHeader, [UInt8]), BlockRejection>)] = []
            var localTransactions: [(Int, Int, Result<VerifiedTransaction, TxRejection>)] = []
            var index = chunk
            while index < work.count {
                let (blockIndex, txIndex) = work[index]
                let block = blocks[blockIndex]
                if txIndex < 0 {
                    do throws(BlockRejection) {
                        let (header, signature) = try block.header()
                        guard header.isValidSignature(signature) else { throw .badSignature }
                        localHeaders.append((blockIndex, .success((header, signature))))
                    } catch {
                        localHeaders.append((blockIndex, .failure(error)))
                    }
                } else {
                    do throws(TxRejection) {
                        let verified = try VerifiedTransaction(block.txs[txIndex], chainID: chainID, known: lookup)
                        localTransactions.append((blockIndex, txIndex, .success(verified)))
                    } catch {
                        localTransactions.append((blockIndex, txIndex, .failure(error)))
                    }
                }
                index += chunks
            }
            headers.withLock { all in for (blockIndex, result) in localHeaders { all[blockIndex] = result } }
            transactions.withLock { all in for (blockIndex, txIndex, result) in localTransactions { all[blockIndex][txIndex] = result } }
        }
        let headerResults = headers.withLock { $0 }
        let transactionResults = transactions.withLock { $0 }
        return blocks.indices.map { blockIndex -> Prepared in
            guard case .success(let (header, signature))? = headerResults[blockIndex] else {
                if case .failure(let rejection)? = headerResults[blockIndex] { return .failure(rejection) }
                return .failure(.badSignature)
            }
            let block = blocks[blockIndex]
            guard block.txs.count <= maxTransactions else {
                return .failure(.invalidTransaction("\(block.txs.count) transactions; max_block_txs is \(maxTransactions)"))
            }
            var verified: [VerifiedTransaction] = []
            verified.reserveCapacity(block.txs.count)
            for result in transactionResults[blockIndex] {
                switch result {
                case .success(let transaction)?: verified.append(transaction)
                case .failure(let rejection)?: return .failure(.invalidTransaction(rejection.description))
                case nil: return .failure(.invalidTransaction("not verified"))
                }
            }
            return .success((header, signature, verified))
        }
    }
}
