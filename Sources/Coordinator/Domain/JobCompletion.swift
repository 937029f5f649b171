import Cryptography
public import JSON
import Receipts
public import WireModels

/// The domain's decision on a miner's result (POST /v1/miners/{job_id}/result, spec §9): is
/// this miner's completion of this job acceptable, what does it bill, does its signed work
/// claim hold, and the receipt that is built and signed for it. The store only persists what
/// was decided (`CoordinatorStore.commitCompletion`), atomically.
public struct JobCompletion: Sendable {
    /// Where the job lives and the decision is persisted.
    let store: CoordinatorStore
    /// Builds and signs receipts; signs nothing when `RECEIPT_SIGNING_KEY_HEX` is unset.
    let receipts: ReceiptFactory

    /// How far a claim's `completed_at` may lie outside [assignment, now] (miner clock skew).
    static let claimClockSkewSeconds: Int64 = 300

    /// Completions over `store`, signing with the keys of its configuration.
    public init(store: CoordinatorStore) {
        self.store = store
        let configuration = store.configuration
        receipts = ReceiptFactory(
            signer: configuration.signingKey.map { key in
                ReceiptSigner(key: key, attestationKeys: configuration.attestationKey.map { [$0] } ?? [])
            })
    }

    /// Accepts the result of a RUNNING job from its assigned miner: COMPLETED with result,
    /// metrics and (signing on) one receipt, in one transaction. An exact replay of the
    /// accepted result by the same miner returns the stored receipt; nothing new is stored.
    ///
    /// The receipt is built and signed from a snapshot read *before* the write (signing runs
    /// in parallel instead of on the single writer queue); the write is a compare-and-set on
    /// that snapshot. If the job changed in between, the signed receipt is discarded unseen
    /// and the outcome is decided again on the new state (replay, 403 or 409).
    ///
    /// A signed work `claim` (Receipts `WorkClaim`) is checked against the public key the
    /// miner registered — its job, miner, result hash, units and unit type must match this
    /// completion — and embedded in the receipt's metadata as `work_claim` and `miner_signature`.
    /// - Throws: `CoordinatorError.jobNotFound`; `.conflictState` when the job is not RUNNING
    ///   (or a different result is sent for a completed job); `.forbidden` when another miner
    ///   holds it; `.invalidPayload` (result/metrics not objects, non-finite or negative
    ///   units/price, a claim that does not match or verify); `.payloadTooLarge`.
    public func complete(
        jobID: String, minerID: String, result: JSONValue, metrics: JSONValue = .object([]), claim: SignedWorkClaim? = nil
    ) async throws(CoordinatorError) -> CompletionOutcome {
        let configuration = store.configuration
        guard JobID(jobID) != nil else { throw .jobNotFound }
        guard case .object = result else { throw .invalidPayload("result: must be an object") }
        guard case .object(let givenMetrics) = metrics else { throw .invalidPayload("metrics: must be an object") }
        let resultBytes = try JSONText.bytes(result, field: "result", limit: configuration.maxBodyBytes)
        let metricsBytes = try JSONText.bytes(metrics, field: "metrics", limit: configuration.maxBodyBytes)
        var hasher = SHA256.Hasher()
        hasher.update(resultBytes)
        hasher.update([0x0A])
        hasher.update(metricsBytes)
        let completionHash = Hex.encode(hasher.finalize())

        let snapshot = try await store.completionSnapshot(jobID: jobID)
        if let replay = try Self.replay(snapshot, minerID: minerID, completionHash: completionHash) { return replay }
        try Self.checkCompletable(snapshot, minerID: minerID)
        let startedAt = snapshot.startedAt ?? snapshot.requestedAt
        // completed_at >= started_at even if the wall clock stepped back (receipts.md §2).
        let completedAt = max(store.clock.nowMilliseconds(), startedAt)
        let durationMS = completedAt - startedAt
        var metricMembers = givenMetrics
        if !metricMembers.contains(where: { $0.key == "duration_ms" }) {
            metricMembers.append(JSONMember(key: "duration_ms", value: .integer(JSONInteger(durationMS))))
        }
        let storedMetrics = JSONValue.object(metricMembers)
        let payload = try JSONText.parse(snapshot.payload)
        let billing = try bill(result: result, metrics: storedMetrics, payload: payload, snapshot: snapshot, durationMS: durationMS)
        if let claim {
            try Self.checkClaim(
                claim, jobID: jobID, minerID: minerID, result: result, metrics: storedMetrics,
                unitType: billing.reportedUnitType ?? billing.unitType.rawValue, publicKeyHex: snapshot.minerPublicKey,
                window: (startedAt / 1_000 - Self.claimClockSkewSeconds)...(completedAt / 1_000 + Self.claimClockSkewSeconds))
        } else if snapshot.minerPublicKey != nil {
            // A miner that registered a key has every result vouched for by it.
            throw .invalidPayload("claim: required, this miner registered a public_key")
        }
        let onDisk = resultBytes.count > configuration.inlineResultLimitBytes
        let receiptID = Identifiers.receiptID()
        let receipt = try receipts.make(
            ReceiptFactory.Facts(
                receiptID: receiptID, jobID: jobID, clientID: snapshot.clientID, minerID: minerID,
                payload: payload, constraints: try CoordinatorStore.constraints(fromStored: snapshot.constraints).json,
                result: onDisk ? nil : result, resultRef: onDisk ? ResultFileStore.reference(jobID: jobID) : nil,
                artifactHash: "sha256:" + Hex.encode(SHA256.hash(resultBytes)), metrics: storedMetrics, workClaim: claim,
                billing: billing, requestedAt: snapshot.requestedAt, startedAt: startedAt, completedAt: completedAt))
        let decided = DecidedCompletion(
            jobID: jobID, minerID: minerID, clientID: snapshot.clientID, startedAt: startedAt, completedAt: completedAt,
            completionHash: completionHash, resultBytes: resultBytes, resultOnDisk: onDisk,
            metricsText: try JSONText.text(storedMetrics, field: "metrics"), receipt: receipt, receiptID: receiptID)
        return try await store.commitCompletion(decided) { now throws(CoordinatorError) in
            if let replay = try Self.replay(now, minerID: minerID, completionHash: completionHash) { return replay }
            try Self.checkCompletable(now, minerID: minerID)
            return nil
        }
    }

    /// The billed units, unit type and price (the coordinator's rule, `Billing`); refusals
    /// and caps are counted per member.
    /// - Throws: `CoordinatorError.invalidPayload` naming the refused member.
    private func bill(
        result: JSONValue, metrics: JSONValue, payload: JSONValue, snapshot: CoordinatorStore.CompletionSnapshot, durationMS: Int64
    ) throws(CoordinatorError) -> Billing {
        let configuration = store.configuration
        let billing: Billing
        do {
            billing = try Billing.decide(
                result: result, metrics: metrics,
                facts: Billing.Facts(
                    kind: try? JobKind.select(for: payload), wallMilliseconds: durationMS, assignedGPUs: snapshot.assignedGPUs,
                    unitPrice: snapshot.unitPrice,
                    tokenLimit: min(JobKind.declaredTokenLimit(of: payload) ?? configuration.defaultJobTokenLimit, configuration.maxJobTokenLimit),
                    timeLimitMilliseconds: Int64(
                        JobKind.timeLimitSeconds(of: payload, fallback: configuration.defaultJobSeconds, maximum: configuration.maxJobSeconds)
                            + configuration.jobTimeGraceSeconds) * 1_000,
                    maxTokensPerSecond: configuration.maxTokensPerSecond))
        } catch {
            store.billingMetrics.rejected(field: error.field)
            throw error.error
        }
        if billing.wasCapped { store.billingMetrics.capped(unitType: billing.unitType) }
        return billing
    }

    /// Checks a miner's signed work claim against this completion and the miner's registered key.
    /// - Throws: `CoordinatorError.invalidPayload` naming what does not match.
    static func checkClaim(
        _ signed: SignedWorkClaim, jobID: String, minerID: String, result: JSONValue, metrics: JSONValue, unitType: String,
        publicKeyHex: String?, window: ClosedRange<Int64>
    ) throws(CoordinatorError) {
        if signed.claim.isNull { throw .invalidPayload("claim: field required with claim_signature") }
        if signed.signature.isNull { throw .invalidPayload("claim_signature: field required with claim") }
        // Both objects are embedded verbatim in the receipt the coordinator signs: a member the
        // checks below do not read (a miner's `price`, `amount`, …) must not ride along under
        // the coordinator's signature.
        try refuseUnknownMembers(of: signed.claim, field: "claim", known: claimMembers)
        try refuseUnknownMembers(of: signed.signature, field: "claim_signature", known: claimSignatureMembers)
        guard let publicKeyHex, let publicKey = try? Ed25519.PublicKey(hex: publicKeyHex) else {
            throw .invalidPayload("claim_signature: the miner registered no public_key")
        }
        // Named on its own: the other members' message would not say that the address is the problem.
        if let payout = signed.claim["payout_address"], WorkClaim.validPayoutAddress(payout) == nil {
            throw .invalidPayload("claim.payout_address: must be an ait1… account address (bech32)")
        }
        guard let claim = WorkClaim(json: signed.claim) else {
            throw .invalidPayload(
                "claim: needs job_id, miner_id, result_hash, unit_type (strings), units (number), duration_ms, completed_at (integers)")
        }
        guard claim.jobID == jobID else { throw .invalidPayload("claim: job_id does not match the job") }
        guard claim.minerID == minerID else { throw .invalidPayload("claim: miner_id does not match the miner") }
        guard let hash = try? WorkClaim.resultHash(of: result), claim.resultHash == hash else {
            throw .invalidPayload("claim: result_hash does not match the result")
        }
        guard claim.unitType == unitType else { throw .invalidPayload("claim: unit_type does not match the metrics") }
        let claimedUnits = metrics["units"].flatMap { $0.isNull ? nil : $0.doubleValue } ?? result["units"]?.doubleValue
        guard claimedUnits == claim.units else { throw .invalidPayload("claim: units does not match the metrics") }
        guard metrics["duration_ms"]?.int64Value == claim.durationMilliseconds else {
            throw .invalidPayload("claim: duration_ms does not match the metrics")
        }
        guard window.contains(claim.completedAt) else {
            throw .invalidPayload("claim: completed_at is outside the job's run (more than \(claimClockSkewSeconds) s of clock skew)")
        }
        guard WorkClaim.isValid(claim: signed.claim, signature: signed.signature, publicKey: publicKey) else {
            throw .invalidPayload("claim_signature: not a valid signature of the claim by the miner's registered key")
        }
    }

    /// The members of a work claim (`WorkClaim.json`): all but `payout_address` are compared with
    /// the completion; `payout_address` (optional) is checked to be an address and embedded untouched.
    static let claimMembers = [
        "job_id", "miner_id", "result_hash", "units", "unit_type", "duration_ms", "completed_at", "payout_address",
    ]
    /// The members of its signature (`ReceiptSignature.json`).
    static let claimSignatureMembers = ["alg", "key_id", "sig"]

    /// Refuses members of the object `value` other than `known`.
    /// - Throws: `CoordinatorError.invalidPayload` naming the first unknown member (escaped) and the known ones.
    static func refuseUnknownMembers(of value: JSONValue, field: String, known: [String]) throws(CoordinatorError) {
        let unknown = (value.objectValue ?? []).map(\.key).filter { !known.contains($0) }
        guard !unknown.isEmpty else { return }
        throw CoordinatorError(WireDecodingError(field: field, problem: .unknownMembers(unknown, known: known, inDocument: false)))
    }

    /// The stored outcome when `snapshot` is this miner's already accepted, identical completion.
    /// - Throws: `CoordinatorError.storage` for a stored receipt that does not parse.
    static func replay(_ snapshot: CoordinatorStore.CompletionSnapshot, minerID: String, completionHash: String)
        throws(CoordinatorError) -> CompletionOutcome?
    {
        guard snapshot.state == .completed, snapshot.assignedMinerID == minerID, snapshot.resultHash == completionHash else {
            return nil
        }
        return CompletionOutcome(
            receipt: try snapshot.receipt.map { text throws(CoordinatorError) in try JSONText.parse(text) }, replayed: true)
    }

    /// Refuses a completion the state machine or the assignment forbids.
    /// - Throws: `CoordinatorError.conflictState` (not RUNNING) or `.forbidden` (another miner).
    static func checkCompletable(_ snapshot: CoordinatorStore.CompletionSnapshot, minerID: String) throws(CoordinatorError) {
        _ = try JobStateMachine.target(of: .complete, from: snapshot.state)
        guard snapshot.assignedMinerID == minerID else { throw .forbidden("job is assigned to another miner") }
    }
}
