import Cryptography
import Ledger
import Logging
import Sockets
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
        var imported: [StoredBlock] = []
        let prepared = await prepare(blocks)
        for (block, preparation) in zip(blocks, prepared) {
            do {
                let (header, signature, verified) = try preparation.get()
                imported.append(try await importVerified(header: header, signature: signature, verified: verified, signatureVerified: true))
            } catch {
                if let rejection = error as? BlockRejection {
                    metrics.blockRejected(reason: rejection.reason)
                    logger.warning("block rejected", metadata: ["height": "\(block.height)", "reason": "\(rejection.reason)", "detail": "\(rejection)"])
                }
                return BatchImportOutcome(imported: imported, failure: (block.height, error))
            }
        }
        return BatchImportOutcome(imported: imported, failure: nil)
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
        let headers = Mutex([Result<(BlockHeader, [UInt8]), BlockRejection>?](repeating: nil, count: blocks.count))
        let transactions = Mutex(blocks.map { [Result<VerifiedTransaction, TxRejection>?](repeating: nil, count: $0.txs.count) })
        let chunks = min(work.count, max(1, System.coreCount) * 4)
        await VerificationPool.shared.perform(chunks: chunks) { chunk in
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
                    let message = block.txs[txIndex]
                    // Verified at admission already (ids cover everything but the signature).
                    if let id = try? message.transactionID(), let pending = self.mempool.withLock({ $0.transaction(id) }),
                        pending.message.sig == message.sig
                    {
                        localTransactions.append((blockIndex, txIndex, .success(pending)))
                    } else {
                        do throws(TxRejection) {
                            localTransactions.append((blockIndex, txIndex, .success(try VerifiedTransaction(message, chainID: chainID))))
                        } catch {
                            localTransactions.append((blockIndex, txIndex, .failure(error)))
                        }
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
