import Cryptography
public import Ledger
import Logging
import SQLite
import Synchronization
public import WireModels

extension Chain {
    /// Imports a block another authority produced (spec N5; part 2's sync and gossip call this):
    /// the header rules first (chain, height, parent, time — after the parent and not ahead of
    /// this node's clock by more than `MAX_CLOCK_DRIFT_MS` — a genesis authority scheduled for
    /// the height at the block's slot offset, its signature), then every transaction
    /// re-verified and executed — all must apply — and the tx, receipts and state roots
    /// compared with the header. The block, its transactions, account changes, undo rows and
    /// receipts commit in one transaction, like a produced one. Every refusal is counted in
    /// `blocks_rejected_total{reason}`. A block that does not extend the head goes to
    /// `offerBranch` instead.
    /// - Throws: `BlockRejection`; `ChainError.storage` when the database fails or a block is being produced.
    public func importBlock(header: BlockHeader, signature: [UInt8], transactions: [TransactionMessage]) async throws -> StoredBlock {
        do {
            return try await importChecked(header: header, signature: signature, transactions: transactions)
        } catch let rejection as BlockRejection {
            countRejection(rejection, height: header.height)
            throw rejection
        }
    }

    func countRejection(_ rejection: BlockRejection, height: UInt64) {
        metrics.blockRejected(reason: rejection.reason)
        logger.warning("block rejected", metadata: ["height": "\(height)", "reason": "\(rejection.reason)", "detail": "\(rejection)"])
    }

    /// Takes the production/import lock: one writer of blocks at a time.
    /// - Throws: `ChainError.storage` when it is held.
    func beginExclusive() throws(ChainError) {
        guard producing.withLock({ busy in
            defer { busy = true }
            return !busy
        }) else { throw ChainError.storage("a block is being produced") }
    }

    func endExclusive() {
        producing.withLock { $0 = false }
    }

    /// The header check with this node's clock (`signatureVerified`: a batch importer checked
    /// the signature already, in parallel with the rest of the batch).
    func checkHeader(_ header: BlockHeader, signature: [UInt8], parent: StoredBlock, signatureVerified: Bool = false) throws(BlockRejection) {
        try BlockRules.checkHeader(
            header, signature: signature, parent: parent.header, parentHash: parent.hash.bytes, genesis: genesis,
            clock: clock.map { BlockRules.Clock(nowMilliseconds: $0.nowMilliseconds(), maxDriftMilliseconds: forkChoice.maxClockDriftMilliseconds) },
            signatureVerified: signatureVerified)
    }

    private func importChecked(header: BlockHeader, signature: [UInt8], transactions: [TransactionMessage]) async throws -> StoredBlock {
        try beginExclusive()
        defer { endExclusive() }
        let parent = head
        // The header first: a forged block costs one signature check, not one per transaction.
        try checkHeader(header, signature: signature, parent: parent)
        let verified = try prepare(header: header, transactions: transactions)
        return try await commitImported(header: header, signature: signature, verified: verified, parent: parent)
    }

    /// Executes and commits a checked block on `parent` (the caller holds the exclusive lock).
    private func commitImported(header: BlockHeader, signature: [UInt8], verified: [VerifiedTransaction], parent: StoredBlock) async throws
        -> StoredBlock
    {
        let genesis = self.genesis
        let treeTouched = Mutex(false)
        do {
            let committed = try await store.database.write { connection -> CommittedBlock in
                guard let current = try ChainStore.head(connection, chainID: genesis.chainID), current.hash == parent.hash else {
                    throw BlockRejection.wrongParent
                }
                return try self.apply(header: header, signature: signature, transactions: verified, connection: connection) { accounts in
                    treeTouched.withLock { $0 = true }
                    return self.stateTree.withLock { tree in
                        for account in accounts { tree.update(account) }
                        return tree.root
                    }
                }
            }
            let block = committed.block
            headBlock.withLock { $0 = block }
            events.emit(.blockCommitted(committed))
            let dropped = mempool.withLock { pool in
                // The block's transactions that were pending here now have used nonces: they are
                // dropped with their rows like any transaction a block made unusable.
                pool.blockCommitted(height: block.height, selected: [], refused: [], accounts: committed.accounts)
            }
            if !dropped.isEmpty { try? await store.deletePending(dropped) }
            recordImported(block, parentTime: parent.header.timeMilliseconds)
            metrics.rejoined()
            return block
        } catch {
            if treeTouched.withLock({ $0 }), let accounts = try? await store.allAccounts() {
                stateTree.withLock { $0 = StateTree(accounts: accounts) }
            }
            throw error
        }
    }

    /// The metrics of one imported block.
    func recordImported(_ block: StoredBlock, parentTime: UInt64) {
        let header = block.header
        metrics.blockImported(
            height: header.height, timeMilliseconds: header.timeMilliseconds,
            intervalMilliseconds: header.timeMilliseconds - min(parentTime, header.timeMilliseconds))
        recordCommitted(header, parentTime: parentTime)
    }

    /// The rotation metrics of any committed block: its proposer and its slot offset.
    func recordCommitted(_ header: BlockHeader, parentTime: UInt64) {
        let proposer = (try? Ed25519.PublicKey(rawRepresentation: header.proposerKey)).map { Address(publicKey: $0).rawValue } ?? "unknown"
        // Block 1's parent time is the genesis timestamp an operator chose, usually long before
        // the chain started: its offset counts no slot anyone missed.
        let offset = header.height <= 1 ? 0 : genesis.slotOffset(time: header.timeMilliseconds, parentTime: parentTime)
        metrics.blockCommitted(proposer: proposer, slotOffset: offset)
    }

    /// The checks of a block's transactions that need no state: count, ids and signatures,
    /// bytes, tx root.
    /// - Throws: `BlockRejection`.
    func prepare(header: BlockHeader, transactions: [TransactionMessage]) throws(BlockRejection) -> [VerifiedTransaction] {
        guard transactions.count <= parameters.maxBlockTransactions else {
            throw .invalidTransaction("\(transactions.count) transactions; max_block_txs is \(parameters.maxBlockTransactions)")
        }
        var checked: [VerifiedTransaction] = []
        checked.reserveCapacity(transactions.count)
        for message in transactions {
            do throws(TxRejection) {
                checked.append(try VerifiedTransaction(message, chainID: genesis.chainID))
            } catch {
                throw .invalidTransaction(error.description)
            }
        }
        try checkContents(header: header, verified: checked)
        return checked
    }

    /// Count, bytes and tx root of verified transactions against the header.
    /// - Throws: `BlockRejection`.
    func checkContents(header: BlockHeader, verified: [VerifiedTransaction]) throws(BlockRejection) {
        guard verified.count <= parameters.maxBlockTransactions else {
            throw .invalidTransaction("\(verified.count) transactions; max_block_txs is \(parameters.maxBlockTransactions)")
        }
        guard verified.reduce(0, { $0 + $1.encodedSize }) <= parameters.maxBlockBytes else {
            throw .invalidTransaction("the transactions exceed max_block_bytes")
        }
        guard Merkle.root(leaves: verified.map(\.id.bytes)) == header.txRoot else { throw .rootMismatch("tx_root") }
    }

    /// Executes a block whose header passed the rules on the committed state `connection`
    /// sees (its parent's), compares the receipts and state roots, and writes its rows, inside
    /// the caller's transaction. `updateTree` applies the changed accounts to the state tree
    /// the caller keeps and returns its root.
    /// - Throws: `BlockRejection`, `SQLiteError`.
    func apply(
        header: BlockHeader, signature: [UInt8], transactions: [VerifiedTransaction], connection: Connection,
        updateTree: ([AccountState]) -> [UInt8]
    ) throws -> CommittedBlock {
        let proposer = Address(publicKey: try Ed25519.PublicKey(rawRepresentation: header.proposerKey))
        var execution = try BlockExecution(parameters: parameters, rules: rules, proposer: proposer, reader: ConnectionLedgerReader(connection: connection))
        for transaction in transactions {
            do throws(ExecutionFailure) {
                try execution.apply(transaction)
            } catch {
                throw BlockRejection.invalidTransaction("\(transaction.id): \(error)")
            }
        }
        guard Merkle.root(leaves: execution.claims.map(\.claim.receiptHash)) == header.receiptsRoot else {
            throw BlockRejection.rootMismatch("receipts_root")
        }
        let accounts = Array(execution.changedAccounts.values)
        guard updateTree(accounts) == header.stateRoot else { throw BlockRejection.rootMismatch("state_root") }
        let block = StoredBlock(header: header, signature: signature, txCount: transactions.count, supply: execution.supplyAfter)
        try ChainStore.write(ChainStore.BlockRows(block: block, transactions: transactions, execution: execution), connection: connection)
        return CommittedBlock(
            block: block, transactions: transactions, accounts: accounts, claims: execution.claims.map(\.claim.receiptID), produced: false)
    }
}
