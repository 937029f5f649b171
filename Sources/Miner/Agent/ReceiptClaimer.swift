public import AITBCClient
public import Cryptography
import Foundation
public import JSON
import Ledger
public import Logging
import Synchronization
public import WireModels

/// Claims the receipts this miner earned on the chain (issue 13 item 7): each one is sent as a
/// `RECEIPT_CLAIM` from the miner's own account (its signing key's address), retried until
/// it is in a block, and never claimed twice.
///
/// Crash safety comes from the order of writes: a receipt is recorded (`ReceiptClaimStore`)
/// before its job's report is marked delivered; its transaction is signed and written before
/// it is first sent; after that only that transaction is ever sent, so a resend after a lost
/// answer or a restart is the same transaction (the node answers it as pending or included).
/// A new transaction replaces it only when the node refused it for a stale nonce or fee (it
/// holds it nowhere); the chain mints a receipt id at most once whatever happens.
///
/// One loop (`run`) does all sending, in nonce order, so nonces are never handed out twice:
/// prepared claims go first, lowest nonce first; an unprepared one takes the node's
/// `next_nonce`, which counts those already admitted.
public final class ReceiptClaimer: Sendable {
    /// What a round left to do.
    public enum Round: Sendable, Equatable {
        /// No claim is pending.
        case idle
        /// Claims are in the node's mempool, waiting for a block.
        case waiting
        /// The node is away or refuses for now: the next round comes after a backoff.
        case retry
    }

    /// What became of one claim in a round.
    enum Step: Equatable {
        /// Nothing left to do.
        case settled
        /// In the mempool.
        case pending
        /// The node refused this transaction for now (its account, not the node, is short):
        /// later claims still go out.
        case deferred
        /// The node is away or refuses everything for now: the round ends here.
        case retry
    }

    /// How a refused send is handled.
    enum Refusal: Equatable {
        /// `RECEIPT_ALREADY_CLAIMED`: another transaction has it; nothing left to do.
        case claimedElsewhere
        /// The nonce or fee no longer fits (`NONCE_TOO_LOW`, `NONCE_GAP`, `FEE_TOO_LOW`): the
        /// node does not hold the transaction, so a new one may take its place.
        case stale
        /// The receipt itself is not claimable: resending cannot help.
        case refused
        /// This transaction cannot be admitted yet (`INSUFFICIENT_BALANCE`: the account cannot
        /// pay the fee until other claims mint; `REPLACEMENT_UNDERPRICED`: another pending
        /// transaction holds its nonce): the claims behind it go first, and it is signed anew.
        case deferred
        /// Anything else (no answer, 429, 5xx, another chain): the same transaction is tried
        /// again after a backoff, and nothing behind it goes first.
        case later
    }

    /// Node codes that end a claim for good: the receipt is not one the chain mints from.
    static let refusedCodes: Set<String> = ["INVALID_RECEIPT", "UNKNOWN_COORDINATOR_KEY", "WORK_CLAIM_MISMATCH", "TX_TOO_LARGE", "AMOUNT_OVERFLOW"]
    /// Node codes after which the transaction is prepared anew.
    static let staleCodes: Set<String> = ["NONCE_TOO_LOW", "NONCE_GAP", "FEE_TOO_LOW"]
    /// Node codes that hold back one transaction only.
    static let deferredCodes: Set<String> = ["INSUFFICIENT_BALANCE", "REPLACEMENT_UNDERPRICED"]

    struct State {
        /// The store was scanned for claims of an earlier run.
        var loaded = false
        /// Claims not settled yet, by receipt id.
        var pending: [ReceiptID: ReceiptClaim] = [:]
        /// A receipt was recorded since the last round began.
        var arrived = false
    }

    /// The node claims go to (its `chainID` is the chain they are signed for).
    public let chain: ChainClient
    /// Where claims are persisted.
    public let store: ReceiptClaimStore
    let key: Ed25519.PrivateKey
    let backoff: Backoff
    let pollInterval: Duration
    let logger: Logger
    let state = Mutex(State())

    /// A claimer sending from `key`'s account.
    /// - Parameters:
    ///   - backoff: the pause after a round the node did not let finish.
    ///   - pollInterval: the pause while claims wait for a block.
    public init(chain: ChainClient, key: Ed25519.PrivateKey, store: ReceiptClaimStore, backoff: Backoff, pollInterval: Duration, logger: Logger) {
        self.chain = chain
        self.key = key
        self.store = store
        self.backoff = backoff
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// The account claims are sent (and paid) from: the signing key's address.
    public var account: Address { Address(publicKey: key.publicKey) }

    /// Claims not settled yet (those of an earlier run once a round has loaded them).
    public var pendingClaims: [ReceiptClaim] { state.withLock { $0.pending.values.sorted(by: Self.sendOrder) } }

    /// Closes the node connections.
    public func shutdown() async { await chain.shutdown() }

    /// Records a receipt the coordinator returned for an accepted result, durably, before
    /// anything is sent, and wakes the loop. A receipt recorded before (in any state) is left
    /// as it is, so one learned twice is claimed once.
    /// - Returns: whether a new claim was recorded.
    @discardableResult
    public func record(receipt: JSONValue, jobID: String) async -> Bool {
        guard case .object = receipt, let text = receipt["receipt_id"]?.stringValue, let id = ReceiptID(text) else {
            logger.warning("receipt_claim_skipped", metadata: ["job_id": "\(jobID)", "reason": "the receipt has no receipt_id of 32 lowercase hex"])
            return false
        }
        let claim = ReceiptClaim(
            receiptID: id, jobID: jobID, receipt: receipt, recordedAt: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
        let written = await BlockingWork.value(name: "miner-state-io") { [store] in
            Result { () throws(JobStateError) -> Bool in try store.add(claim) }
        }
        let metadata: Logger.Metadata = ["receipt_id": "\(id.rawValue)", "job_id": "\(jobID)"]
        switch written {
        case .success(false):
            return false
        case .success(true):
            logger.info("receipt_claim_recorded", metadata: metadata)
        case .failure(let error):
            // Kept in memory: it is sent once the disk takes its signed transaction (nothing is
            // sent unwritten), unless the miner stops first.
            logger.error("receipt_claim_unrecorded", metadata: metadata.merging(["reason": "\(error)"]) { $1 })
        }
        state.withLock { state in
            if state.pending[id] == nil { state.pending[id] = claim }
            state.arrived = true
        }
        return true
    }

    /// Claims until the task is cancelled: a round, then a pause of `pollInterval` while claims
    /// wait for a block, a backoff after a round the node cut short, and otherwise until a
    /// receipt is recorded.
    public func run() async {
        logger.info(
            "receipt_claimer_started",
            metadata: ["chain_url": "\(chain.transport.configuration.baseURL)", "chain_id": "\(chain.chainID)", "account": "\(account)"])
        var failures = 0
        while !Task.isCancelled {
            switch await round() {
            case .idle:
                failures = 0
                await pause(.seconds(3_600), wakeOnArrival: true)
            case .waiting:
                failures = 0
                await pause(pollInterval, wakeOnArrival: true)
            case .retry:
                let delay = backoff.delay(attempt: failures)
                failures += 1
                await pause(delay, wakeOnArrival: false)
            }
        }
    }

    /// One pass over the pending claims in send order: each is prepared (when it has no
    /// transaction), polled (when the node admitted it) or sent. A node that cannot be reached
    /// or refuses for now ends the round, so no later nonce is sent ahead of an earlier one; a
    /// claim whose account cannot pay yet is passed over and prepared anew at its next turn.
    public func round() async -> Round {
        await load()
        let claims = state.withLock { state in
            state.arrived = false
            return state.pending.values.sorted(by: Self.sendOrder)
        }
        guard !claims.isEmpty else { return .idle }
        var waiting = false
        var deferred = false
        for claim in claims {
            if Task.isCancelled { return .retry }
            switch await advance(claim) {
            case .settled: continue
            case .pending: waiting = true
            case .deferred: deferred = true
            case .retry: return .retry
            }
        }
        return waiting ? .waiting : deferred ? .retry : .idle
    }

    /// Prepared claims first, lowest nonce first (the node admits an account's nonces in
    /// order), then the others in the order their receipts were recorded.
    static func sendOrder(_ first: ReceiptClaim, _ second: ReceiptClaim) -> Bool {
        switch (first.transaction?.nonce, second.transaction?.nonce) {
        case (let one?, let two?): (one, first.receiptID.rawValue) < (two, second.receiptID.rawValue)
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): (first.recordedAt, first.receiptID.rawValue) < (second.recordedAt, second.receiptID.rawValue)
        }
    }

    /// The refusal class of a failed send.
    static func refusal(of error: AITBCError) -> Refusal {
        guard error.kind == .rejected, let code = error.serverCode else { return .later }
        if code == "RECEIPT_ALREADY_CLAIMED" { return .claimedElsewhere }
        if staleCodes.contains(code) { return .stale }
        if refusedCodes.contains(code) { return .refused }
        if deferredCodes.contains(code) { return .deferred }
        return .later
    }

    // MARK: - one claim

    /// Loads the pending claims an earlier run left in the store (once).
    func load() async {
        guard !state.withLock({ $0.loaded }) else { return }
        let stored = await BlockingWork.value(name: "miner-state-io") { [store] in store.scan() }
        let resumed = state.withLock { state in
            state.loaded = true
            var count = 0
            for claim in stored where claim.state == .pending && state.pending[claim.receiptID] == nil {
                state.pending[claim.receiptID] = claim
                count += 1
            }
            return count
        }
        if resumed > 0 { logger.info("receipt_claims_resumed", metadata: ["pending": "\(resumed)"]) }
    }

    /// Takes one claim as far as it goes now.
    func advance(_ stored: ReceiptClaim) async -> Step {
        var claim = stored
        var claimLogger = logger
        claimLogger[metadataKey: "receipt_id"] = .string(claim.receiptID.rawValue)
        claimLogger[metadataKey: "job_id"] = .string(claim.jobID)
        if let transaction = claim.transaction, transaction.chainID != chain.chainID {
            // Signed for the chain chain.chain_id named before: no node of this chain admits it.
            claimLogger.warning(
                "receipt_claim_reprepared", metadata: ["reason": "signed for chain \(transaction.chainID), chain.chain_id is \(chain.chainID)"])
            claim.transaction = nil
        }
        if claim.transaction == nil {
            guard await prepare(&claim, logger: claimLogger) else { return .retry }
        } else if claim.submitted, let hash = claim.txHash {
            do {
                let view = try await chain.transaction(hash)
                switch view.status {
                case .included: return await settle(&claim, as: .included, blockHeight: view.blockHeight, error: nil, logger: claimLogger)
                case .pending: return .pending
                case .unknown: break
                }
            } catch where error.isRejection(404) {
                // Dropped from the mempool (evicted, or a node that lost it): the same transaction again.
            } catch {
                Self.retryLater(error, call: "tx", logger: claimLogger)
                return .retry
            }
        }
        return await send(&claim, mayPrepareAgain: true, logger: claimLogger)
    }

    /// Sends the claim's transaction; after a stale-nonce or fee refusal, once, a new one.
    func send(_ claim: inout ReceiptClaim, mayPrepareAgain: Bool, logger: Logger) async -> Step {
        guard let transaction = claim.transaction, let hash = claim.txHash else { return .retry }
        let answer: SendTxResponse
        do {
            answer = try await chain.send(transaction)
        } catch {
            switch Self.refusal(of: error) {
            case .claimedElsewhere:
                return await settle(&claim, as: .claimedElsewhere, blockHeight: nil, error: error.description, logger: logger)
            case .refused:
                return await settle(&claim, as: .failed, blockHeight: nil, error: error.description, logger: logger)
            case .later:
                Self.retryLater(error, call: "sendTx", logger: logger)
                return .retry
            case .deferred:
                // The node holds it nowhere (a copy it held would be answered as pending), so it
                // is dropped and signed anew at its next turn, with a nonce after the others'.
                logger.warning("receipt_claim_deferred", metadata: Self.metadata(error, call: "sendTx"))
                var unprepared = claim
                unprepared.transaction = nil
                unprepared.txHash = nil
                unprepared.submitted = false
                if await persist(unprepared, logger: logger) { claim = unprepared }
                return .deferred
            case .stale:
                // NONCE_TOO_LOW: the nonce is used; by this very transaction only if it is in a block.
                if error.serverCode == "NONCE_TOO_LOW", let view = try? await chain.transaction(hash), view.status == .included {
                    return await settle(&claim, as: .included, blockHeight: view.blockHeight, error: nil, logger: logger)
                }
                guard mayPrepareAgain else {
                    Self.retryLater(error, call: "sendTx", logger: logger)
                    return .retry
                }
                logger.info(
                    "receipt_claim_reprepared",
                    metadata: ["reason": "\(error.code)", "old_nonce": "\(transaction.nonce)", "old_tx_hash": "\(hash.rawValue)"])
                claim.transaction = nil
                guard await prepare(&claim, logger: logger) else { return .retry }
                return await send(&claim, mayPrepareAgain: false, logger: logger)
            }
        }
        if answer.status == .included {
            let height = (try? await chain.transaction(hash))?.blockHeight
            return await settle(&claim, as: .included, blockHeight: height, error: nil, logger: logger)
        }
        if !claim.submitted {
            var submitted = claim
            submitted.submitted = true
            // A failed write only means the next round sends the same transaction again.
            if await persist(submitted, logger: logger) { claim = submitted }
            MinerMetrics.claimSubmitted()
            logger.info(
                "receipt_claim_submitted",
                metadata: [
                    "tx_hash": "\(hash.rawValue)", "nonce": "\(transaction.nonce)", "fee": "\(transaction.fee)",
                    "account": "\(transaction.sender)",
                ])
        }
        return .pending
    }

    /// Signs a claim with the node's `next_nonce` and fee estimate and writes it before it is
    /// ever sent; false (nothing changed) when the node cannot be asked or the write fails.
    func prepare(_ claim: inout ReceiptClaim, logger: Logger) async -> Bool {
        let transaction: TransactionMessage
        do {
            transaction = try await chain.prepareTransaction(.receiptClaim(receipt: claim.receipt), key: key)
        } catch {
            Self.retryLater(error, call: "prepare", logger: logger)
            return false
        }
        guard let hash = try? transaction.transactionID() else { return false }
        var prepared = claim
        prepared.transaction = transaction
        prepared.txHash = hash
        prepared.submitted = false
        guard await persist(prepared, logger: logger) else { return false }
        claim = prepared
        logger.debug(
            "receipt_claim_prepared", metadata: ["tx_hash": "\(hash.rawValue)", "nonce": "\(transaction.nonce)", "fee": "\(transaction.fee)"])
        return true
    }

    /// Records the claim's final state and drops it from the pending set (a failed write is
    /// logged: after a restart the same transaction is sent and answered the same way).
    func settle(_ claim: inout ReceiptClaim, as outcome: ReceiptClaim.State, blockHeight: UInt64?, error: String?, logger: Logger) async -> Step {
        claim.state = outcome
        claim.blockHeight = blockHeight
        claim.error = error
        await persist(claim, logger: logger)
        let settled = claim
        state.withLock { _ = $0.pending.removeValue(forKey: settled.receiptID) }
        let hash = claim.txHash?.rawValue ?? ""
        switch outcome {
        case .included:
            MinerMetrics.claimIncluded()
            logger.info("receipt_claim_included", metadata: ["tx_hash": "\(hash)", "block_height": "\(blockHeight.map(String.init) ?? "")"])
        case .claimedElsewhere:
            logger.warning("receipt_claim_already_claimed", metadata: ["tx_hash": "\(hash)", "error_message": "\(error ?? "")"])
        case .failed:
            MinerMetrics.claimFailed()
            logger.error("receipt_claim_failed", metadata: ["tx_hash": "\(hash)", "error_message": "\(error ?? "")"])
        case .pending:
            break
        }
        return .settled
    }

    /// Writes `claim` off the cooperative pool; a pending claim's in-memory copy follows only a
    /// successful write, so memory never runs ahead of the disk.
    @discardableResult
    func persist(_ claim: ReceiptClaim, logger: Logger) async -> Bool {
        let written = await BlockingWork.value(name: "miner-state-io") { [store] in
            Result { () throws(JobStateError) in try store.write(claim) }
        }
        if case .failure(let error) = written {
            logger.error("state_write_failed", metadata: ["reason": "\(error)"])
            return false
        }
        if claim.state == .pending { state.withLock { $0.pending[claim.receiptID] = claim } }
        return true
    }

    /// Sleeps up to `duration` in short slices; returns early when cancelled or, with
    /// `wakeOnArrival`, when a receipt is recorded.
    func pause(_ duration: Duration, wakeOnArrival: Bool) async {
        let deadline = ContinuousClock.now + duration
        while !Task.isCancelled {
            if wakeOnArrival, state.withLock({ $0.arrived }) { return }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return }
            do {
                try await Task.sleep(for: min(remaining, .milliseconds(20)))
            } catch {
                return
            }
        }
    }

    /// Logs `receipt_claim_retry` for a call the node did not answer as hoped, except one cut
    /// short by the loop's own cancellation (a stopping miner is no node problem).
    static func retryLater(_ error: AITBCError, call: String, logger: Logger) {
        guard !Task.isCancelled, error.kind != .cancelled else { return }
        logger.warning("receipt_claim_retry", metadata: metadata(error, call: call))
    }

    /// `call`, and the node's `error_code` and `error_message` (escaped by the SDK).
    static func metadata(_ error: AITBCError, call: String) -> Logger.Metadata {
        ["call": "\(call)", "error_code": "\(error.code)", "error_message": "\(error.message)"]
    }
}
