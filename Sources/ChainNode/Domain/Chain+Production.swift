import Logging
import Cryptography
public import Ledger
import SQLite
import Synchronization
public import WireModels

extension Chain {
    /// What producing one block did.
    public struct ProducedBlock: Sendable {
        public var block: StoredBlock
        public var included: [TxHash]
        /// Pending transactions the block's execution refused (dropped from the pool).
        public var refused: [(TxHash, TxRejection)]
    }

    /// Why production did not happen.
    public enum ProductionError: Error, Sendable, CustomStringConvertible {
        /// This node holds no authority key, or the slot of the given time (its offset after the
        /// head, `GenesisDocument.slotOffset`) is another authority's.
        case notScheduled
        /// Another production is running.
        case busy
        /// The database failed; nothing was committed.
        case storage(String)

        public var description: String {
            switch self {
            case .notScheduled: "this node is not the authority scheduled for the next height"
            case .busy: "a block is being produced"
            case .storage(let message): "block production failed: \(message)"
            }
        }
    }

    /// Produces, signs and commits the next block at `timeMilliseconds` (raised to the parent's
    /// time + 1 when not after it), when that time falls in one of this node's slots: up to
    /// `max_block_txs`/`max_block_bytes` from the mempool by fee then arrival, executed, and
    /// written with its transactions, account changes, undo rows and claimed receipts in one
    /// SQLite transaction. Empty blocks are produced too.
    ///
    /// Everything from selection to publication runs in one call on the database's writer
    /// queue: the block becomes the head as soon as it commits, not when a thread of the
    /// cooperative pool is free to resume this task (under load that pool is busy verifying
    /// signatures, and publication came ~80 ms late). The rows of transactions the block made
    /// unusable are deleted and the WAL is checkpointed after publication, on the same queue.
    /// - Throws: `ProductionError`.
    public func produceBlock(timeMilliseconds: UInt64) async throws(ProductionError) -> ProducedBlock {
        guard let key = proposerKey, isAuthority else { throw .notScheduled }
        // A first look without the lock; the write transaction decides against the parent it reads.
        let parent = head.header
        let time = max(timeMilliseconds, parent.timeMilliseconds + 1)
        let offset = genesis.slotOffset(time: time, parentTime: parent.timeMilliseconds)
        guard genesis.scheduledAuthority(height: parent.height + 1, offset: offset).publicKey == key.publicKey else { throw .notScheduled }
        let nextHeight = parent.height + 1
        guard producing.withLock({ busy in
            defer { busy = true }
            return !busy
        }) else { throw .busy }
        defer { producing.withLock { $0 = false } }

        let treeTouched = Mutex(false)
        let outcome: Result<(produced: ProducedBlock, parentTime: UInt64), any Error>
        do {
            let value = try await store.database.writeWithoutTransaction { connection in
                try self.produce(timeMilliseconds: timeMilliseconds, key: key, connection: connection, treeTouched: treeTouched)
            }
            outcome = .success(value)
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .failure(let error) where error is NotScheduled:
            throw .notScheduled
        case .failure(let error):
            // The tree may hold changes that never committed: rebuild it from the table.
            if treeTouched.withLock({ $0 }), let accounts = try? await store.allAccounts() {
                stateTree.withLock { $0 = StateTree(accounts: accounts) }
            }
            logger.error("block production failed", metadata: ["height": "\(nextHeight)", "error": "\(error)"])
            throw .storage("\(error)")
        case .success(let (produced, parentTime)):
            for (_, rejection) in produced.refused { metrics.txRejected(code: rejection.code) }
            let header = produced.block.header
            metrics.blockProposed(
                height: header.height, timeMilliseconds: header.timeMilliseconds,
                intervalMilliseconds: header.timeMilliseconds - min(parentTime, header.timeMilliseconds), transactions: produced.included.count)
            recordCommitted(header, parentTime: parentTime)
            logger.debug(
                "proposed block",
                metadata: ["height": "\(header.height)", "hash": "\(produced.block.hash)", "txs": "\(produced.included.count)"])
            return produced
        }
    }

    /// Thrown inside the write transaction when the block's slot is another authority's.
    private struct NotScheduled: Error {}

    /// `produceBlock`'s work on the writer connection: select, execute and commit the block,
    /// publish it (head, mempool), then clean up. Throws only before the commit.
    private func produce(
        timeMilliseconds: UInt64, key: Ed25519.PrivateKey, connection: Connection, treeTouched: borrowing Mutex<Bool>
    ) throws -> (produced: ProducedBlock, parentTime: UInt64) {
        let genesis = self.genesis
        let parameters = self.parameters
        let selection = mempool.withLock { $0.select(maxTransactions: parameters.maxBlockTransactions, maxBytes: parameters.maxBlockBytes) }
        let (produced, accounts, refusedArrivals, parentTime, leavingMempool, committed) = try connection.transaction(.immediate) { connection in
            // The parent is read inside the write transaction: nothing can commit between.
            guard let parent = try ChainStore.head(connection, chainID: genesis.chainID) else {
                throw ChainStoreError.corrupt("no head")
            }
            // The slot is decided by the time the block will carry, against this parent.
            let time = max(timeMilliseconds, parent.header.timeMilliseconds + 1)
            let offset = genesis.slotOffset(time: time, parentTime: parent.header.timeMilliseconds)
            guard genesis.scheduledAuthority(height: parent.height + 1, offset: offset).publicKey == key.publicKey else { throw NotScheduled() }
            let reader = ConnectionLedgerReader(connection: connection)
            var execution = try BlockExecution(parameters: parameters, rules: rules, proposer: Address(publicKey: key.publicKey), reader: reader)
            var included: [VerifiedTransaction] = []
            var refused: [(TxHash, TxRejection)] = []
            var refusedArrivals: Set<UInt64> = []
            var leavingMempool: [UInt64] = []
            leavingMempool.reserveCapacity(selection.count)
            for selected in selection {
                let transaction = selected.transaction
                leavingMempool.append(selected.arrival)
                do throws(ExecutionFailure) {
                    try execution.apply(transaction)
                    included.append(transaction)
                } catch {
                    switch error {
                    case .rejected(let rejection):
                        refused.append((transaction.id, rejection))
                        refusedArrivals.insert(selected.arrival)
                    case .storage(let message): throw ChainStoreError.corrupt(message)
                    }
                }
            }
            let accounts = Array(execution.changedAccounts.values)
            treeTouched.withLock { $0 = true }
            let stateRoot = stateTree.withLock { tree in
                for account in accounts { tree.update(account) }
                return tree.root
            }
            let header = BlockHeader(
                chainID: genesis.chainID, height: parent.height + 1, parentHash: parent.hash.bytes,
                timeMilliseconds: time, proposerKey: key.publicKey.rawRepresentation,
                txRoot: Merkle.root(leaves: included.map(\.id.bytes)),
                stateRoot: stateRoot, receiptsRoot: Merkle.root(leaves: execution.claims.map(\.claim.receiptHash)))
            let block = StoredBlock(header: header, signature: header.sign(with: key), txCount: included.count, supply: execution.supplyAfter)
            try ChainStore.write(ChainStore.BlockRows(block: block, transactions: included, execution: execution), connection: connection)
            let committed = CommittedBlock(
                block: block, transactions: included, accounts: accounts, claims: execution.claims.map(\.claim.receiptID), produced: true)
            return (
                ProducedBlock(block: block, included: included.map(\.id), refused: refused), accounts, refusedArrivals,
                parent.header.timeMilliseconds, leavingMempool, committed
            )
        }
        // Committed: publish.
        headBlock.withLock { $0 = produced.block }
        events.emit(.blockCommitted(committed))
        let dropped = mempool.withLock { pool in
            let dropped = pool.blockCommitted(height: produced.block.height, selected: selection, refused: refusedArrivals, accounts: accounts)
            metrics.mempool(count: pool.count, bytes: pool.bytes)
            return dropped
        }
        // Best effort from here on: the block is out. Its transactions' mempool rows and those
        // of the ones it made unusable go; a row left behind is dropped at the next reload (its
        // transaction no longer applies). The WAL is checkpointed again after the next block.
        do {
            try ChainStore.deletePending(leavingMempool + dropped, connection: connection)
        } catch {
            logger.warning("could not delete dropped mempool rows", metadata: ["error": "\(error)"])
        }
        do {
            try ChainStore.checkpoint(connection: connection)
        } catch {
            logger.warning("checkpoint after block failed", metadata: ["height": "\(produced.block.height)", "error": "\(error)"])
        }
        return (produced, parentTime)
    }
}
