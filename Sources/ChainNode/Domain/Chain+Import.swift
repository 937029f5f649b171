import Cryptography
public import Ledger
import Logging
import SQLite
import Synchronization
public import WireModels

extension Chain {
    /// Imports a block another authority produced (spec N5; part 2's sync and gossip call this):
    /// the header rules first (chain, height, parent, time, a genesis authority scheduled for the
    /// height, its signature), then every transaction re-verified and executed — all must apply —
    /// and the tx, receipts and state roots compared with the header. The block, its
    /// transactions, account changes and receipts commit in one transaction, like a produced one.
    /// Every refusal is counted in `blocks_rejected_total{reason}`.
    /// - Throws: `BlockRejection`; `ChainError.storage` when the database fails.
    public func importBlock(header: BlockHeader, signature: [UInt8], transactions: [TransactionMessage]) async throws -> StoredBlock {
        do {
            return try await importChecked(header: header, signature: signature, transactions: transactions)
        } catch let rejection as BlockRejection {
            metrics.blockRejected(reason: rejection.reason)
            logger.warning("block rejected", metadata: ["height": "\(header.height)", "reason": "\(rejection.reason)", "detail": "\(rejection)"])
            throw rejection
        }
    }

    private func importChecked(header: BlockHeader, signature: [UInt8], transactions: [TransactionMessage]) async throws -> StoredBlock {
        // The header first: a forged block costs one signature check, not one per transaction.
        let parent = head
        try BlockRules.checkHeader(header, signature: signature, parent: parent.header, parentHash: parent.hash.bytes, genesis: genesis)
        guard transactions.count <= parameters.maxBlockTransactions else {
            throw BlockRejection.invalidTransaction("\(transactions.count) transactions; max_block_txs is \(parameters.maxBlockTransactions)")
        }
        var checked: [VerifiedTransaction] = []
        for message in transactions {
            do throws(TxRejection) {
                checked.append(try VerifiedTransaction(message, chainID: genesis.chainID))
            } catch {
                throw BlockRejection.invalidTransaction(error.description)
            }
        }
        return try await importVerified(header: header, signature: signature, verified: checked, signatureVerified: true)
    }

    /// Imports a block whose transactions are verified (and, with `signatureVerified`, whose
    /// header signature is): the rest of `importBlock`'s checks, execution and the commit.
    func importVerified(header: BlockHeader, signature: [UInt8], verified: [VerifiedTransaction], signatureVerified: Bool) async throws -> StoredBlock {
        guard producing.withLock({ busy in
            defer { busy = true }
            return !busy
        }) else { throw ChainError.storage("a block is being produced") }
        defer { producing.withLock { $0 = false } }
        let parent = head
        try BlockRules.checkHeader(
            header, signature: signature, parent: parent.header, parentHash: parent.hash.bytes, genesis: genesis, signatureVerified: signatureVerified)
        guard verified.count <= parameters.maxBlockTransactions else {
            throw BlockRejection.invalidTransaction("\(verified.count) transactions; max_block_txs is \(parameters.maxBlockTransactions)")
        }
        guard verified.reduce(0, { $0 + $1.encodedSize }) <= parameters.maxBlockBytes else {
            throw BlockRejection.invalidTransaction("the transactions exceed max_block_bytes")
        }
        guard Merkle.root(leaves: verified.map(\.id.bytes)) == header.txRoot else { throw BlockRejection.rootMismatch("tx_root") }
        let proposer = Address(publicKey: try Ed25519.PublicKey(rawRepresentation: header.proposerKey))
        let genesis = self.genesis
        let rules = self.rules
        let parameters = self.parameters
        let treeTouched = Mutex(false)
        do {
            let (block, accounts, claims) = try await store.database.write { connection -> (StoredBlock, [AccountState], [ReceiptID]) in
                guard let current = try ChainStore.head(connection, chainID: genesis.chainID), current.hash == parent.hash else {
                    throw BlockRejection.wrongParent
                }
                var execution = try BlockExecution(parameters: parameters, rules: rules, proposer: proposer, reader: ConnectionLedgerReader(connection: connection))
                for transaction in verified {
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
                treeTouched.withLock { $0 = true }
                let stateRoot = self.stateTree.withLock { tree in
                    for account in accounts { tree.update(account) }
                    return tree.root
                }
                guard stateRoot == header.stateRoot else { throw BlockRejection.rootMismatch("state_root") }
                let block = StoredBlock(header: header, signature: signature, txCount: verified.count, supply: execution.supplyAfter)
                try ChainStore.write(
                    ChainStore.BlockRows(block: block, transactions: verified, execution: execution),
                    connection: connection)
                return (block, accounts, execution.claims.map(\.claim.receiptID))
            }
            headBlock.withLock { $0 = block }
            events.emit(.blockCommitted(CommittedBlock(block: block, transactions: verified, accounts: accounts, claims: claims, produced: false)))
            let dropped = mempool.withLock { pool in
                // The block's transactions that were pending here now have used nonces: they are
                // dropped with their rows like any transaction a block made unusable.
                pool.blockCommitted(height: block.height, selected: [], refused: [], accounts: accounts)
            }
            if !dropped.isEmpty { try? await store.deletePending(dropped) }
            metrics.head(height: block.height, timeMilliseconds: header.timeMilliseconds)
            return block
        } catch {
            if treeTouched.withLock({ $0 }), let accounts = try? await store.allAccounts() {
                stateTree.withLock { $0 = StateTree(accounts: accounts) }
            }
            throw error
        }
    }
}
