import Cryptography
public import Ledger
import Logging
import SQLite
import Synchronization
public import WireModels

extension Chain {
    /// One block of an offered branch, as it arrives (gossip, range sync).
    public typealias OfferedBlock = (header: BlockHeader, signature: [UInt8], transactions: [TransactionMessage])

    /// What `offerBranch` did.
    public enum BranchOutcome: Sendable, Equatable, CustomStringConvertible {
        /// The branch extended the head by this many blocks.
        case extended(Int)
        /// The branch replaced `depth` blocks of ours.
        case reorganized(depth: UInt64)
        /// Nothing changed.
        case kept(KeptReason)
        /// The branch wins the fork choice but forks more than `MAX_REORG_DEPTH` below the
        /// head: this node stays on its chain (`chain_divergent` = 1) until an operator acts.
        case divergent(forkHeight: UInt64)

        /// For logs: `extended 3`, `reorganized depth 2`, `kept higher_offset`, `divergent below 41`.
        public var description: String {
            switch self {
            case .extended(let count): "extended \(count)"
            case .reorganized(let depth): "reorganized depth \(depth)"
            case .kept(let reason): "kept \(reason.rawValue)"
            case .divergent(let height): "divergent below \(height)"
            }
        }
    }

    /// Why an offered branch changed nothing.
    public enum KeptReason: String, Sendable, Equatable {
        /// Every block is already ours.
        case known
        /// At the first height where they differ, our block has the lower slot offset.
        case higherOffset = "higher_offset"
        /// Both blocks have the same offset: their authority signed two blocks for one slot.
        /// The first seen (ours) stays.
        case equivocation
        /// The branch's first block does not link to a block we hold.
        case unknownParent = "unknown_parent"
    }

    /// Offers consecutive blocks whose first block's parent is a block we hold (N12).
    ///
    /// Blocks we already hold are skipped. A branch on our head is imported block by block with
    /// `importBlock`'s checks (a bad block throws; those before it stay). A branch that
    /// conflicts with ours is decided at the first height where they differ: the block with the
    /// lower slot offset wins (the authority scheduled earlier for that height); equal offsets
    /// mean one authority signed two blocks for one slot (equivocation, counted): the first
    /// seen stays. A winning branch whose fork point is at most `MAX_REORG_DEPTH` below the head
    /// replaces ours in one SQLite transaction (`reorganize`); deeper, nothing changes and the
    /// node reports itself divergent.
    /// - Throws: `BlockRejection` (counted like `importBlock`'s); `ChainError.storage`.
    public func offerBranch(_ blocks: [OfferedBlock]) async throws -> BranchOutcome {
        for (previous, next) in zip(blocks, blocks.dropFirst()) {
            guard next.header.height == previous.header.height + 1 else {
                let rejection = BlockRejection.wrongHeight(expected: previous.header.height + 1, got: next.header.height)
                countRejection(rejection, height: next.header.height)
                throw rejection
            }
            guard next.header.parentHash == previous.header.hash else {
                countRejection(.wrongParent, height: next.header.height)
                throw BlockRejection.wrongParent
            }
        }
        let head = self.head
        var index = 0
        while index < blocks.count, blocks[index].header.height <= head.height,
            let (held, _) = try await store.block(height: blocks[index].header.height), held.hash.bytes == blocks[index].header.hash
        {
            index += 1
        }
        let branch = Array(blocks[index...])
        guard let fork = branch.first else { return .kept(.known) }
        if fork.header.parentHash == head.hash.bytes {
            for block in branch { _ = try await importBlock(header: block.header, signature: block.signature, transactions: block.transactions) }
            return .extended(branch.count)
        }
        guard fork.header.height >= 1, fork.header.height <= head.height,
            let (parent, _) = try await store.block(height: fork.header.height - 1), parent.hash.bytes == fork.header.parentHash,
            let (ours, _) = try await store.block(height: fork.header.height)
        else { return .kept(.unknownParent) }
        do {
            try checkHeader(fork.header, signature: fork.signature, parent: parent)
        } catch {
            countRejection(error, height: fork.header.height)
            throw error
        }
        let parentTime = parent.header.timeMilliseconds
        let theirs = genesis.slotOffset(time: fork.header.timeMilliseconds, parentTime: parentTime)
        let mine = genesis.slotOffset(time: ours.header.timeMilliseconds, parentTime: parentTime)
        let metadata: Logger.Metadata = [
            "height": "\(fork.header.height)", "ours": "\(ours.hash)", "theirs": "\(Hash32(bytes: fork.header.hash))",
            "our_offset": "\(mine)", "their_offset": "\(theirs)",
        ]
        if theirs > mine {
            logger.info("kept our block: the offered one has a later slot", metadata: metadata)
            return .kept(.higherOffset)
        }
        if theirs == mine {
            metrics.equivocation()
            logger.warning("equivocation: one authority signed two blocks for one slot; keeping the first seen", metadata: metadata)
            return .kept(.equivocation)
        }
        let depth = head.height - parent.height
        guard depth <= forkChoice.maxReorgDepth else {
            metrics.diverged()
            logger.error(
                "diverged: a winning branch forks deeper than MAX_REORG_DEPTH; staying on our chain",
                metadata: metadata.merging(["fork_height": "\(parent.height)", "depth": "\(depth)", "max_reorg_depth": "\(forkChoice.maxReorgDepth)"]) { $1 })
            return .divergent(forkHeight: parent.height)
        }
        return try await reorganize(head: head, parent: parent, branch: branch)
    }

    /// A peer's branch does not link to any block of ours within the fork window: its fork
    /// point is deeper than `MAX_REORG_DEPTH` (the network found it fetching the branch), so
    /// no fork choice can apply it. Counted and logged like a divergence `offerBranch` finds.
    public func reportDivergence(belowHeight height: UInt64, ours: BlockHash?, theirs: BlockHash, peer: String) {
        metrics.diverged()
        logger.error(
            "diverged: a peer's branch forks deeper than MAX_REORG_DEPTH; staying on our chain",
            metadata: [
                "peer": "\(peer)", "height": "\(height)", "ours": "\(ours.map(\.rawValue) ?? "none")", "theirs": "\(theirs)",
                "max_reorg_depth": "\(forkChoice.maxReorgDepth)",
            ])
    }

    /// Unwinds our blocks above `parent` and applies `branch`, all in ONE SQLite transaction:
    /// a kill -9 at any point leaves either the old chain or the new one, never a mix (SQLite
    /// rolls an uncommitted transaction back when the database is next opened), and any
    /// failure (a bad block anywhere in the branch) rolls the whole reorg back. The state tree
    /// is worked on as a copy and swapped in after the commit. The unwound transactions that
    /// the new branch does not hold go back to the mempool after the commit (a crash in
    /// between loses them from this node's pool only: their senders or peers resend them).
    /// - Throws: `BlockRejection` (counted), `ChainError.storage`, `ChainStoreError`.
    private func reorganize(head: StoredBlock, parent: StoredBlock, branch: [OfferedBlock]) async throws -> BranchOutcome {
        try beginExclusive()
        defer { endExclusive() }
        guard self.head.hash == head.hash else { throw ChainError.storage("the head moved; offer the branch again") }
        var prepared: [[VerifiedTransaction]] = []
        for block in branch {
            do {
                prepared.append(try prepare(header: block.header, transactions: block.transactions))
            } catch {
                countRejection(error, height: block.header.height)
                throw error
            }
        }
        let transactions = prepared
        let genesis = self.genesis
        let startTree = stateTree.withLock { $0 }
        let current = Mutex(parent.height + 1)
        let outcome: (tree: StateTree, unwound: [ChainStore.Unwound], committed: [CommittedBlock])
        do {
            outcome = try await store.database.write { connection in
                guard let top = try ChainStore.head(connection, chainID: genesis.chainID), top.hash == head.hash else {
                    throw ChainError.storage("the head moved; offer the branch again")
                }
                var tree = startTree
                var unwound: [ChainStore.Unwound] = []
                while let top = try ChainStore.head(connection, chainID: genesis.chainID), top.height > parent.height {
                    let step = try ChainStore.unwindHead(connection: connection, chainID: genesis.chainID)
                    for account in step.restored { tree.update(account) }
                    for address in step.deleted { tree.remove(address) }
                    unwound.append(step)
                }
                guard tree.root == parent.header.stateRoot else {
                    throw ChainStoreError.corrupt("unwinding to block \(parent.height) does not give its state root (blocks without undo rows?)")
                }
                var previous = parent
                var committed: [CommittedBlock] = []
                for (block, verified) in zip(branch, transactions) {
                    current.withLock { $0 = block.header.height }
                    try self.checkHeader(block.header, signature: block.signature, parent: previous)
                    let done = try self.apply(header: block.header, signature: block.signature, transactions: verified, connection: connection) {
                        accounts in
                        for account in accounts { tree.update(account) }
                        return tree.root
                    }
                    committed.append(done)
                    previous = done.block
                }
                return (tree, unwound, committed)
            }
        } catch let rejection as BlockRejection {
            countRejection(rejection, height: current.withLock { $0 })
            throw rejection
        }
        guard let newHead = outcome.committed.last?.block else { throw ChainError.storage("an empty branch") }
        stateTree.withLock { $0 = outcome.tree }
        headBlock.withLock { $0 = newHead }
        events.emit(.blocksReverted(outcome.unwound.map(\.block)))
        for block in outcome.committed { events.emit(.blockCommitted(block)) }
        let depth = head.height - parent.height
        metrics.reorganized(depth: depth)
        metrics.rejoined()
        var parentTime = parent.header.timeMilliseconds
        for block in outcome.committed {
            recordImported(block.block, parentTime: parentTime)
            parentTime = block.block.header.timeMilliseconds
        }
        logger.warning(
            "reorganized",
            metadata: [
                "fork_height": "\(parent.height)", "depth": "\(depth)", "old_head": "\(head.hash)", "new_head": "\(newHead.hash)",
                "new_height": "\(newHead.height)",
            ])
        await readmit(unwound: outcome.unwound)
        return .reorganized(depth: depth)
    }

    /// Rebuilds the mempool over the new head: the unwound blocks' transactions (oldest block
    /// first, so each sender's nonces come in order) and everything pending before, admitted
    /// again by the usual rules — those the new branch holds are refused as included or by
    /// nonce, those that no longer apply are dropped. The old persisted rows are deleted
    /// once the kept ones are persisted again.
    private func readmit(unwound: [ChainStore.Unwound]) async {
        let height = head.height
        let pending = mempool.withLock { pool in
            let pending = pool.reset(committedHeight: height)
            metrics.mempool(count: pool.count, bytes: pool.bytes)
            return pending
        }
        var batch: [Result<TransactionMessage, WireDecodingError>] = []
        for step in unwound.reversed() { batch += step.transactions.map { .success($0) } }
        batch += pending.map { .success($0.transaction.message) }
        if !batch.isEmpty { _ = await submit(batch: batch) }
        do {
            try await store.deletePending(pending.map(\.arrival))
        } catch {
            logger.warning("could not delete the mempool rows replaced after a reorg", metadata: ["error": "\(error)"])
        }
    }
}
