import Cryptography
public import JSON
import Receipts
import SQLite
public import WireModels

extension CoordinatorStore {
    /// Longest `error_code` and `error_message` of a failure report.
    static let maxErrorCodeBytes = 64
    static let maxErrorMessageBytes = 4_096

    /// Accepts the result of a RUNNING job from its assigned miner (POST /v1/miners/{id}/result,
    /// spec §9): job COMPLETED with result (inline, or on disk above the inline limit),
    /// metrics, receipt, `jobreceipt` history row, event row and miner statistics — stored in
    /// one transaction. An exact replay of the accepted result by the same miner returns the
    /// stored receipt; nothing new is stored or returned.
    ///
    /// The receipt is built and signed from a snapshot read *before* the write (so signing
    /// runs in parallel instead of on the single writer queue); the write is a
    /// compare-and-set on `(state = RUNNING, assigned_miner_id, started_at)` of that snapshot.
    /// If the job changed in between, the signed receipt is discarded unseen and the outcome
    /// is decided again on the new state (replay, 403 or 409).
    ///
    /// A signed work `claim` (Receipts `WorkClaim`) is checked against the public key the
    /// miner registered — its job, miner, result hash, units and unit type must match this
    /// completion — and embedded in the receipt's metadata as `work_claim` and
    /// `miner_signature`.
    /// - Throws: `CoordinatorError.jobNotFound`; `.conflictState` when the job is not RUNNING
    ///   (or a different result is sent for a completed job); `.forbidden` when another miner
    ///   holds it; `.invalidPayload` (result/metrics not objects, non-finite or negative
    ///   units/price, a claim that does not match or verify); `.payloadTooLarge`.
    public func complete(
        jobID: String, minerID: String, result: JSONValue, metrics: JSONValue = .object([]), claim: SignedWorkClaim? = nil
    ) async throws(CoordinatorError) -> CompletionOutcome {
        guard Identifiers.isWellFormed(jobID) else { throw .jobNotFound }
        guard case .object = result else { throw .invalidPayload("result: must be an object") }
        guard case .object(let givenMetrics) = metrics else { throw .invalidPayload("metrics: must be an object") }
        let resultBytes = try JSONText.bytes(result, field: "result", limit: configuration.maxBodyBytes)
        let metricsBytes = try JSONText.bytes(metrics, field: "metrics", limit: configuration.maxBodyBytes)
        var hasher = SHA256.Hasher()
        hasher.update(resultBytes)
        hasher.update([0x0A])
        hasher.update(metricsBytes)
        let completionHash = Hex.encode(hasher.finalize())

        let snapshot = try await completionSnapshot(jobID: jobID)
        if let replay = try Self.replay(snapshot, minerID: minerID, completionHash: completionHash) { return replay }
        try Self.checkCompletable(snapshot, minerID: minerID, transition: .complete)
        let startedAt = snapshot.startedAt ?? snapshot.requestedAt
        // completed_at >= started_at even if the wall clock stepped back (receipts.md §2).
        let completedAt = max(clock.nowMilliseconds(), startedAt)
        let durationMS = completedAt - startedAt
        var metricMembers = givenMetrics
        if !metricMembers.contains(where: { $0.key == "duration_ms" }) {
            metricMembers.append(JSONMember(key: "duration_ms", value: .integer(JSONInteger(durationMS))))
        }
        let storedMetrics = JSONValue.object(metricMembers)
        let metricsText = try JSONText.text(storedMetrics, field: "metrics")
        let payload = try JSONText.parse(snapshot.payload)
        let billing: Billing
        do {
            billing = try Billing.decide(
                result: result, metrics: storedMetrics,
                facts: Billing.Facts(
                    kind: try? JobKind.select(for: payload), wallMilliseconds: durationMS, assignedGPUs: snapshot.assignedGPUs,
                    unitPrice: snapshot.unitPrice,
                    tokenLimit: min(JobKind.declaredTokenLimit(of: payload) ?? configuration.defaultJobTokenLimit, configuration.maxJobTokenLimit),
                    timeLimitMilliseconds: Int64(
                        JobKind.timeLimitSeconds(of: payload, fallback: configuration.defaultJobSeconds, maximum: configuration.maxJobSeconds)
                            + configuration.jobTimeGraceSeconds) * 1_000,
                    maxTokensPerSecond: configuration.maxTokensPerSecond))
        } catch {
            billingMetrics.rejected(field: error.field)
            throw error.error
        }
        if billing.wasCapped { billingMetrics.capped(unitType: billing.unitType) }
        if let claim {
            try Self.checkClaim(
                claim, jobID: jobID, minerID: minerID, result: result, metrics: storedMetrics,
                unitType: billing.reportedUnitType ?? billing.unitType.rawValue,
                publicKeyHex: snapshot.minerPublicKey,
                window: (startedAt / 1_000 - Self.claimClockSkewSeconds)...(completedAt / 1_000 + Self.claimClockSkewSeconds))
        } else if snapshot.minerPublicKey != nil {
            // A miner that registered a key has every result vouched for by it.
            throw .invalidPayload("claim: required, this miner registered a public_key")
        }
        let onDisk = resultBytes.count > configuration.inlineResultLimitBytes
        let resultRef = onDisk ? ResultFileStore.reference(jobID: jobID) : nil
        let receiptID = Identifiers.receiptID()
        let receipt = try receipts.make(
            ReceiptFactory.Facts(
                receiptID: receiptID, jobID: jobID, clientID: snapshot.clientID, minerID: minerID,
                payload: payload, constraints: try Self.constraints(fromStored: snapshot.constraints).json,
                result: onDisk ? nil : result, resultRef: resultRef,
                artifactHash: "sha256:" + Hex.encode(SHA256.hash(resultBytes)), metrics: storedMetrics, workClaim: claim,
                billing: billing,
                requestedAt: snapshot.requestedAt, startedAt: startedAt, completedAt: completedAt))
        let receiptText = try receipt.map { value throws(CoordinatorError) in try JSONText.text(value, field: "receipt") }
        let storedReceiptID = receipt == nil ? nil : receiptID
        let inlineText = onDisk ? nil : String(decoding: resultBytes, as: UTF8.self)
        let temporaryPath = onDisk ? try results.writeTemporary(jobID: jobID, bytes: resultBytes) : nil
        let results = self.results
        let clientID = snapshot.clientID
        let target = try JobStateMachine.target(of: .complete, from: .running)
        do {
            return try await batched { db, changes in
                try db.execute(
                    """
                    UPDATE job SET state = ?, result = ?, result_ref = ?, result_hash = ?, metrics = ?,
                        receipt_id = ?, error = NULL, completed_at = ?
                    WHERE id = ? AND state = 'RUNNING' AND assigned_miner_id = ? AND started_at = ?
                    """,
                    [
                        target.rawValue, inlineText, resultRef, completionHash, metricsText, storedReceiptID,
                        completedAt, jobID, minerID, startedAt,
                    ])
                guard db.changes == 1 else {
                    // The job moved since the snapshot: decide on what it is now.
                    let now = try Self.completionSnapshot(db, jobID: jobID)
                    if let replay = try Self.replay(now, minerID: minerID, completionHash: completionHash) { return replay }
                    try Self.checkCompletable(now, minerID: minerID, transition: .complete)
                    throw CoordinatorError.conflictState("job was reassigned")
                }
                // The file goes into place only once this completion has won the job.
                if let temporaryPath { try results.publish(temporaryPath: temporaryPath, jobID: jobID) }
                if let receiptText, let storedReceiptID {
                    try db.execute(
                        """
                        INSERT INTO jobreceipt(id, job_id, job_seq, receipt_id, payload, created_at)
                        VALUES (?1, ?2, (SELECT seq FROM job WHERE id = ?2), ?3, ?4, ?5)
                        """,
                        [Identifiers.timeOrderedUUIDHex(milliseconds: completedAt), jobID, storedReceiptID, receiptText, completedAt])
                }
                try db.execute(
                    """
                    UPDATE miner SET inflight = MAX(inflight - 1, 0), jobs_completed = jobs_completed + 1,
                        total_job_duration_ms = total_job_duration_ms + ?,
                        average_job_duration_ms = CAST(total_job_duration_ms + ? AS REAL) / (jobs_completed + 1),
                        last_receipt_id = COALESCE(?, last_receipt_id)
                    WHERE id = ?
                    """, [durationMS, durationMS, storedReceiptID, minerID])
                try Self.record(
                    db, &changes, jobID: jobID, clientID: clientID, from: .running, to: target, at: completedAt,
                    actor: "miner:\(minerID)", receiptID: storedReceiptID, minerID: minerID)
                return CompletionOutcome(receipt: receipt, replayed: false)
            }
        } catch {
            // Only an unpublished temporary file is left to remove; a published one belongs to the commit.
            if let temporaryPath { results.discard(temporaryPath: temporaryPath) }
            throw error
        }
    }

    /// The job facts a completion is decided on.
    struct CompletionSnapshot: Sendable {
        var state: JobState
        var clientID: String
        var assignedMinerID: String?
        var payload: String
        var constraints: String
        var requestedAt: Int64
        var startedAt: Int64?
        var resultHash: String?
        var receipt: String?
        /// Hex Ed25519 key the assigned miner registered, if any.
        var minerPublicKey: String?
        /// Price per unit and GPUs fixed at assignment (schema v3; NULL for jobs assigned before it).
        var unitPrice: Double?
        var assignedGPUs: Int
    }

    func completionSnapshot(jobID: String) async throws(CoordinatorError) -> CompletionSnapshot {
        try await readingNow { db in try Self.completionSnapshot(db, jobID: jobID) }
    }

    static func completionSnapshot(_ db: Connection, jobID: String) throws -> CompletionSnapshot {
        guard
            let row = try db.queryOne(
                """
                SELECT state, client_id, assigned_miner_id, payload, constraints, requested_at, started_at, result_hash, \(Self.receiptColumn),
                    (SELECT public_key FROM miner WHERE miner.id = job.assigned_miner_id), unit_price, assigned_gpus
                FROM job WHERE id = ?
                """, [jobID])
        else { throw CoordinatorError.jobNotFound }
        let stateText: String = try row.get(0)
        guard let state = JobState(rawValue: stateText) else { throw CoordinatorError.storage("unknown state \(stateText)") }
        return CompletionSnapshot(
            state: state, clientID: try row.get(1), assignedMinerID: try row.get(2), payload: try row.get(3),
            constraints: try row.get(4), requestedAt: try row.get(5), startedAt: try row.get(6), resultHash: try row.get(7),
            receipt: try row.get(8), minerPublicKey: try row.get(9), unitPrice: try row.get(10),
            assignedGPUs: (try row.get(11) as Int?) ?? 0)
    }

    /// Checks a miner's signed work claim against this completion and the miner's registered key.
    /// - Throws: `CoordinatorError.invalidPayload` naming what does not match.
    /// How far a claim's `completed_at` may lie outside [assignment, now] (miner clock skew).
    static let claimClockSkewSeconds: Int64 = 300

    static func checkClaim(
        _ signed: SignedWorkClaim, jobID: String, minerID: String, result: JSONValue, metrics: JSONValue, unitType: String,
        publicKeyHex: String?, window: ClosedRange<Int64>
    ) throws(CoordinatorError) {
        if signed.claim.isNull { throw .invalidPayload("claim: field required with claim_signature") }
        if signed.signature.isNull { throw .invalidPayload("claim_signature: field required with claim") }
        guard let publicKeyHex, let publicKey = try? Ed25519.PublicKey(hex: publicKeyHex) else {
            throw .invalidPayload("claim_signature: the miner registered no public_key")
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

    /// The stored outcome when `snapshot` is this miner's already accepted, identical completion.
    static func replay(_ snapshot: CompletionSnapshot, minerID: String, completionHash: String) throws(CoordinatorError)
        -> CompletionOutcome?
    {
        guard snapshot.state == .completed, snapshot.assignedMinerID == minerID, snapshot.resultHash == completionHash else {
            return nil
        }
        return CompletionOutcome(
            receipt: try snapshot.receipt.map { text throws(CoordinatorError) in try JSONText.parse(text) }, replayed: true)
    }

    /// Refuses a completion/failure the state machine or the assignment forbids.
    /// - Throws: `CoordinatorError.conflictState` (not RUNNING) or `.forbidden` (another miner).
    static func checkCompletable(_ snapshot: CompletionSnapshot, minerID: String, transition: JobTransition) throws(CoordinatorError) {
        _ = try JobStateMachine.target(of: transition, from: snapshot.state)
        guard snapshot.assignedMinerID == minerID else { throw .forbidden("job is assigned to another miner") }
    }

    /// Records the assigned miner's failure report (POST /v1/miners/{id}/fail): FAILED with
    /// error `<code>: <message>`, miner inflight−1, jobs_failed+1. Repeating the same report
    /// is accepted without change.
    /// - Throws: `CoordinatorError.jobNotFound`, `.conflictState` (not RUNNING), `.forbidden`
    ///   (other miner), `.invalidPayload` (empty/oversized code or message).
    public func fail(jobID: String, minerID: String, errorCode: String, errorMessage: String, metrics: JSONValue = .object([]))
        async throws(CoordinatorError)
    {
        guard Identifiers.isWellFormed(jobID) else { throw .jobNotFound }
        guard (1...Self.maxErrorCodeBytes).contains(errorCode.utf8.count), JobConstraints.isPrintableASCII(errorCode) else {
            throw .invalidPayload("error_code: must be 1...\(Self.maxErrorCodeBytes) printable ASCII characters")
        }
        guard errorMessage.utf8.count <= Self.maxErrorMessageBytes else {
            throw .invalidPayload("error_message: must be at most \(Self.maxErrorMessageBytes) bytes")
        }
        guard case .object = metrics else { throw .invalidPayload("metrics: must be an object") }
        let metricsText = try JSONText.text(metrics, field: "metrics")
        guard metricsText.utf8.count <= configuration.maxBodyBytes else { throw .payloadTooLarge(limit: configuration.maxBodyBytes) }
        let errorText = "\(errorCode): \(errorMessage)"
        let now = clock.nowMilliseconds()
        try await batched { db, changes in
            guard let row = try db.queryOne("SELECT state, client_id, assigned_miner_id, error FROM job WHERE id = ?", [jobID]) else {
                throw CoordinatorError.jobNotFound
            }
            let stateText: String = try row.get(0)
            let clientID: String = try row.get(1)
            let assigned: String? = try row.get(2)
            let storedError: String? = try row.get(3)
            if stateText == JobState.failed.rawValue, assigned == minerID, storedError == errorText { return }
            guard let state = JobState(rawValue: stateText) else { throw CoordinatorError.storage("unknown state \(stateText)") }
            let target = try JobStateMachine.target(of: .fail, from: state)
            guard assigned == minerID else { throw CoordinatorError.forbidden("job is assigned to another miner") }
            try db.execute(
                """
                UPDATE job SET state = ?, error = ?, metrics = ?, completed_at = ?
                WHERE id = ? AND state = 'RUNNING' AND assigned_miner_id = ?
                """, [target.rawValue, errorText, metricsText, now, jobID, minerID])
            guard db.changes == 1 else { throw CoordinatorError.conflictState("job changed concurrently") }
            try db.execute(
                "UPDATE miner SET inflight = MAX(inflight - 1, 0), jobs_failed = jobs_failed + 1 WHERE id = ?", [minerID])
            try Self.record(
                db, &changes, jobID: jobID, clientID: clientID, from: state, to: target, at: now, actor: "miner:\(minerID)",
                detail: errorText, minerID: minerID)
        }
    }
}
