import SQLite
public import Cryptography
import Dispatch
import JSON
public import Ledger
public import Logging
import ServiceRuntime
import Sockets
import Synchronization
public import WireModels

/// The chain node's domain core: admission into the mempool, block production, and every read
/// the transports serve. HTTP routes (and part 2's WebSocket and gossip) call only this API.
public final class Chain: Sendable {
    public let store: ChainStore
    public let genesis: GenesisDocument
    public let parameters: ChainParameters
    let rules: ReceiptClaimRules
    /// The key this node proposes with; nil (or a key genesis does not list) → follow only.
    let proposerKey: Ed25519.PrivateKey?
    let mempool: Mutex<Mempool>
    let stateTree: Mutex<StateTree>
    let headBlock: Mutex<StoredBlock>
    /// Serializes block production (the producer loop and tests' manual production).
    let producing = Mutex(false)
    public let metrics: ChainMetrics
    /// Committed blocks and admitted transactions, for the WebSocket RPC and gossip.
    public let events = ChainEvents()
    /// The node's clock: imported blocks' times are checked against it (`time_in_future`).
    /// nil (tests and tools that import recorded blocks) skips that check; the service always
    /// passes its clock.
    public let clock: (any ChainClock)?
    public let forkChoice: ForkChoiceSettings
    let logger: Logger

    /// The node settings of the header time check and the fork choice (docs/chain-node.md
    /// "Authorities and forks").
    public struct ForkChoiceSettings: Sendable, Equatable {
        /// `MAX_CLOCK_DRIFT_MS`: how far ahead of this node's clock a block's time may be.
        public var maxClockDriftMilliseconds: UInt64
        /// `MAX_REORG_DEPTH`: the most blocks of ours a winning branch may replace.
        public var maxReorgDepth: UInt64

        /// The defaults: 2 s of drift, 16 blocks.
        public init(maxClockDriftMilliseconds: UInt64 = 2_000, maxReorgDepth: UInt64 = 16) {
            self.maxClockDriftMilliseconds = maxClockDriftMilliseconds
            self.maxReorgDepth = maxReorgDepth
        }
    }

    init(
        store: ChainStore, proposerKey: Ed25519.PrivateKey?, mempoolLimits: Mempool.Limits, tree: StateTree, head: StoredBlock,
        metrics: ChainMetrics, clock: (any ChainClock)?, forkChoice: ForkChoiceSettings, logger: Logger
    ) {
        self.clock = clock
        self.forkChoice = forkChoice
        self.store = store
        genesis = store.genesis
        parameters = store.genesis.parameters
        rules = ReceiptClaimRules(coordinatorKeys: store.genesis.coordinatorKeys, parameters: store.genesis.parameters)
        self.proposerKey = proposerKey
        mempool = Mutex(Mempool(limits: mempoolLimits, committedHeight: head.height))
        stateTree = Mutex(tree)
        headBlock = Mutex(head)
        self.metrics = metrics
        self.logger = logger
    }

    /// Opens the database at `path` for `genesis`, checks the head's state root against the
    /// account table (naming tampered accounts), and reloads the persisted mempool. `clock` is
    /// what imported blocks' times are checked against (nil: not checked; `ChainNodeService`
    /// passes its clock).
    /// - Throws: `ChainStoreError` (another genesis, corruption, state root mismatch), `SQLiteError`.
    public static func open(
        path: String, genesis: GenesisDocument, proposerKey: Ed25519.PrivateKey?, mempoolLimits: Mempool.Limits = Mempool.Limits(),
        metrics: ChainMetrics = ChainMetrics(), clock: (any ChainClock)? = nil, forkChoice: ForkChoiceSettings = ForkChoiceSettings(),
        logger: Logger
    ) async throws -> Chain {
        let store = try await ChainStore.open(path: path, genesis: genesis)
        let head = try await store.head()
        var tree = StateTree(accounts: try await store.allAccounts())
        let computed = tree.root
        if computed != head.header.stateRoot {
            let differing = (try? await ChainReplay(store: store).differingAccounts()) ?? []
            throw ChainStoreError.stateRootMismatch(
                height: head.height, expected: Hash32(bytes: head.header.stateRoot).rawValue, computed: Hash32(bytes: computed).rawValue,
                accounts: differing)
        }
        // Claimed receipts are what stops a second mint: a claim in a block without its row
        // means the table was edited, and admitting from it would mint that receipt again.
        let orphaned = try await store.claimsWithoutReceiptRow()
        guard orphaned.isEmpty else {
            throw ChainStoreError.corrupt(
                "receipt table: claims in blocks have no receipt row (\(orphaned.map(\.rawValue).joined(separator: ", "))); run aitbc-chain-node verify")
        }
        let chain = Chain(
            store: store, proposerKey: proposerKey, mempoolLimits: mempoolLimits, tree: tree, head: head, metrics: metrics, clock: clock,
            forkChoice: forkChoice, logger: logger)
        metrics.head(height: head.height, timeMilliseconds: head.header.timeMilliseconds)
        metrics.mempoolCapacity(transactions: mempoolLimits.maxTransactions, bytes: mempoolLimits.maxBytes)
        try await chain.reloadMempool()
        return chain
    }

    /// The head block.
    public var head: StoredBlock { headBlock.withLock { $0 } }

    /// Whether this node's key is an authority in genesis (it proposes when scheduled).
    public var isAuthority: Bool {
        guard let proposerKey else { return false }
        return genesis.authorities.contains { $0.publicKey == proposerKey.publicKey }
    }

    // MARK: admission

    /// Admits one signed transaction.
    /// - Throws: `ChainError`.
    public func submit(_ message: TransactionMessage) async throws(ChainError) -> SendTxResponse {
        let outcome = await submit(batch: [.success(message)])
        switch outcome.first {
        case .success(let response)?: return response
        case .failure(let error)?: throw error
        case nil: throw .storage("no outcome")
        }
    }

    /// Admits a batch: each transaction is decided on its own (one result per element, in order).
    /// Signatures (and receipt claims) are verified in parallel across cores, once.
    public func submit(batch: [Result<TransactionMessage, WireDecodingError>]) async -> [Result<SendTxResponse, ChainError>] {
        var results = [Result<SendTxResponse, ChainError>?](repeating: nil, count: batch.count)
        let messages: [TransactionMessage?] = batch.map { try? $0.get() }
        for (index, element) in batch.enumerated() {
            if case .failure(let error) = element { results[index] = .failure(.invalidRequest(error)) }
        }
        let verified = await Self.verifyInParallel(messages, chainID: genesis.chainID, rules: rules)
        var candidates: [Candidate] = []
        for (index, outcome) in verified.enumerated() {
            switch outcome {
            case .success(let admitted)?: candidates.append(Candidate(index: index, admitted: admitted))
            case .failure(let rejection)?:
                results[index] = .failure(.rejected(rejection))
            case nil: break
            }
        }
        // A claim whose mint would carry the supply past Int64.max can never execute: refuse it
        // now rather than answer 200 and drop it in the block (pending claims are counted there).
        let supply = head.supply
        candidates.removeAll { candidate in
            guard let claim = candidate.claim else { return false }
            let (issued, overflow1) = claim.minted.addingReportingOverflow(claim.coordinatorAmount)
            let (total, overflow2) = supply.addingReportingOverflow(issued)
            guard overflow1 || overflow2 || total > UInt64(Int64.max) else { return false }
            results[candidate.index] = .failure(.rejected(.amountOverflow))
            return true
        }
        do {
            let snapshot = try await store.admissionSnapshot(
                candidates.map { ($0.transaction.id, $0.transaction.message.sender, $0.transaction.message.nonce) },
                receipts: candidates.compactMap { $0.claim?.receiptID })
            let included = snapshot.included
            let claimed = snapshot.claimed
            candidates.removeAll { candidate in
                if included.contains(candidate.transaction.id) {
                    results[candidate.index] = .failure(.rejected(.alreadyIncluded))
                    return true
                }
                if let claim = candidate.claim, claimed.contains(claim.receiptID) {
                    results[candidate.index] = .failure(.rejected(.receiptAlreadyClaimed(receiptID: claim.receiptID.rawValue)))
                    return true
                }
                return false
            }
            var toPersist: [(id: TxHash, arrival: UInt64, body: String)] = []
            var added: [VerifiedTransaction] = []
            var replaced: [UInt64] = []
            // A block committed between the read and the lock makes the read stale; read again.
            var accounts = snapshot.accounts
            var readHeight = snapshot.height
            for attempt in 0..<4 where !candidates.isEmpty {
                if attempt > 0 { (accounts, readHeight) = try await store.accounts(Set(candidates.map(\.transaction.message.sender))) }
                var stale: [Candidate] = []
                mempool.withLock { pool in
                    for candidate in candidates {
                        let sender = candidate.transaction.message.sender
                        do throws(Mempool.Refusal) {
                            let admission = try pool.admit(
                                candidate.transaction, committed: accounts[sender] ?? AccountState(address: sender), readHeight: readHeight,
                                claim: candidate.claim, parameters: parameters)
                            results[candidate.index] = .success(SendTxResponse(txHash: candidate.transaction.id))
                            switch admission {
                            case .added(let arrival):
                                toPersist.append((candidate.transaction.id, arrival, candidate.transaction.text))
                                added.append(candidate.transaction)
                            case .replaced(_, let replacedArrival, let arrival):
                                replaced.append(replacedArrival)
                                toPersist.append((candidate.transaction.id, arrival, candidate.transaction.text))
                                added.append(candidate.transaction)
                            case .duplicate:
                                break
                            }
                        } catch {
                            switch error {
                            case .staleRead: stale.append(candidate)
                            case .full: results[candidate.index] = .failure(.mempoolFull(retryAfterSeconds: max(1, Int(parameters.blockTimeMilliseconds / 1_000))))
                            case .rejected(let rejection): results[candidate.index] = .failure(.rejected(rejection))
                            }
                        }
                    }
                    metrics.mempool(count: pool.count, bytes: pool.bytes)
                }
                candidates = stale
            }
            for candidate in candidates { results[candidate.index] = .failure(.storage("state kept changing; retry")) }
            metrics.admitted(toPersist.count)
            if !added.isEmpty { events.emit(.transactionsAdmitted(added)) }
            try await store.deletePending(replaced)
            try await store.persistPending(toPersist)
        } catch {
            logger.error("admission storage failure", metadata: ["error": "\(error)"])
            for index in results.indices where results[index] == nil { results[index] = .failure(.storage("\(error)")) }
        }
        // Each refusal counted once, by its code (MEMPOOL_FULL included).
        for case .failure(let error)? in results {
            switch error {
            case .rejected, .mempoolFull: metrics.txRejected(code: error.code)
            default: break
            }
        }
        return results.map { $0 ?? .failure(.storage("no outcome")) }
    }

    /// A transaction past verification, with the claim it mints.
    struct Admitted: Sendable {
        var transaction: VerifiedTransaction
        var claim: VerifiedClaim?
    }

    /// One transaction of a batch that passed verification and the storage checks.
    struct Candidate: Sendable {
        var index: Int
        var admitted: Admitted
        var transaction: VerifiedTransaction { admitted.transaction }
        var claim: VerifiedClaim? { admitted.claim }
    }

    /// Verifies ids, signatures and claims on every core (the admission path's CPU cost), on
    /// the verification threads (`VerificationPool`).
    static func verifyInParallel(
        _ messages: [TransactionMessage?], chainID: String, rules: ReceiptClaimRules
    ) async -> [Result<Admitted, TxRejection>?] {
        guard !messages.isEmpty else { return [] }
        let results = Mutex([Result<Admitted, TxRejection>?](repeating: nil, count: messages.count))
        let chunks = min(messages.count, max(1, System.coreCount))
        // On the verification threads, which yield the CPU to block production and the RPC.
        await VerificationPool.shared.perform(chunks: chunks) { chunk in
            var local: [(Int, Result<Admitted, TxRejection>)] = []
            var index = chunk
            while index < messages.count {
                if let message = messages[index] {
                    do throws(TxRejection) {
                        let transaction = try VerifiedTransaction(message, chainID: chainID)
                        var claim: VerifiedClaim?
                        if case .receiptClaim(let receipt) = message.payload { claim = try rules.verify(receipt) }
                        local.append((index, .success(Admitted(transaction: transaction, claim: claim))))
                    } catch {
                        local.append((index, .failure(error)))
                    }
                }
                index += chunks
            }
            results.withLock { all in for (index, result) in local { all[index] = result } }
        }
        return results.withLock { $0 }
    }

    /// Re-admits what the persisted mempool held (after a restart); drops what no longer applies.
    func reloadMempool() async throws {
        let rows = try await store.loadPending()
        guard !rows.isEmpty else { return }
        mempool.withLock { pool in pool.continueArrivals(after: rows.last?.arrival ?? 0) }
        var batch: [Result<TransactionMessage, WireDecodingError>] = []
        for row in rows {
            do throws(WireDecodingError) {
                batch.append(.success(try TransactionMessage(bytes: Array(row.body.utf8))))
            } catch {
                batch.append(.failure(error))
            }
        }
        // Arrival order is kept within the batch; re-admission persists the kept rows again
        // under new arrival numbers, then every row read here is deleted. Nothing is deleted
        // first, so a crash during the reload loses nothing (the next reload finds both copies
        // of a kept row and admits the first: the second is a duplicate).
        let outcomes = await submit(batch: batch)
        let kept = Set(outcomes.compactMap { try? $0.get().txHash })
        try await store.deletePending(upTo: rows.last?.arrival ?? 0)
        logger.info("mempool reloaded", metadata: ["persisted": "\(rows.count)", "kept": "\(kept.count)"])
    }
}
