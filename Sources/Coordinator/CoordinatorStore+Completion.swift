import Cryptography
public import JSON
import SQLite

extension CoordinatorStore {
    /// Longest `error_code` and `error_message` of a failure report.
    static let maxErrorCodeBytes = 64
    static let maxErrorMessageBytes = 4_096

    /// Accepts the result of a RUNNING job from its assigned miner (POST /v1/miners/{id}/result,
    /// spec §9): job COMPLETED with result (inline, or on disk above the inline limit),
    /// metrics, receipt built from coordinator-side facts and signed, `jobreceipt` history row,
    /// event row and miner statistics — one transaction. An exact replay of the accepted
    /// result by the same miner returns the stored receipt and signs nothing new.
    /// - Throws: `CoordinatorError.jobNotFound`; `.conflictState` when the job is not RUNNING
    ///   (or a different result is sent for a completed job); `.forbidden` when another miner
    ///   holds it; `.invalidPayload` (result/metrics not objects, non-finite or negative
    ///   units/price); `.payloadTooLarge`.
    public func complete(jobID: String, minerID: String, result: JSONValue, metrics: JSONValue = .object([])) async throws(CoordinatorError)
        -> CompletionOutcome
    {
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
        let artifactHash = "sha256:" + Hex.encode(SHA256.hash(resultBytes))
        // Reject bad billing numbers before touching the job (wall time is not known yet, so
        // the cap is applied again inside the transaction).
        _ = try ReceiptFactory.billing(result: result, metrics: metrics, wallMilliseconds: 0)
        let onDisk = resultBytes.count > configuration.inlineResultLimitBytes
        let temporaryPath = onDisk ? try results.writeTemporary(jobID: jobID, bytes: resultBytes) : nil
        let inlineText = onDisk ? nil : String(decoding: resultBytes, as: UTF8.self)
        let now = clock.nowMilliseconds()
        let receipts = self.receipts
        let results = self.results
        do {
            return try await batched { db, changes in
                guard
                    let row = try db.queryOne(
                        """
                        SELECT state, client_id, assigned_miner_id, payload, constraints, requested_at, started_at, result_hash, receipt
                        FROM job WHERE id = ?
                        """, [jobID])
                else { throw CoordinatorError.jobNotFound }
                let stateText: String = try row.get(0)
                let clientID: String = try row.get(1)
                let assigned: String? = try row.get(2)
                let storedHash: String? = try row.get(7)
                if stateText == JobState.completed.rawValue, assigned == minerID, storedHash == completionHash {
                    let receiptText: String? = try row.get(8)
                    return CompletionOutcome(receipt: try receiptText.map { text throws(CoordinatorError) in try JSONText.parse(text) }, replayed: true)
                }
                guard let state = JobState(rawValue: stateText) else { throw CoordinatorError.storage("unknown state \(stateText)") }
                let target = try JobStateMachine.target(of: .complete, from: state)
                guard assigned == minerID else { throw CoordinatorError.forbidden("job is assigned to another miner") }
                let requestedAt: Int64 = try row.get(5)
                let startedAt: Int64 = try row.get(6) ?? requestedAt
                // completed_at >= started_at even if the wall clock stepped back (receipts.md §2).
                let completedAt = max(now, startedAt)
                let durationMS = completedAt - startedAt
                var metricMembers = givenMetrics
                if !metricMembers.contains(where: { $0.key == "duration_ms" }) {
                    metricMembers.append(JSONMember(key: "duration_ms", value: .integer(JSONInteger(durationMS))))
                }
                let storedMetrics = JSONValue.object(metricMembers)
                let billing = try ReceiptFactory.billing(result: result, metrics: storedMetrics, wallMilliseconds: durationMS)
                let receiptID = Identifiers.receiptID()
                let receipt = try receipts.make(
                    ReceiptFactory.Facts(
                        receiptID: receiptID, jobID: jobID, clientID: clientID, minerID: minerID,
                        payload: try JSONText.parse(try row.get(3) as String),
                        constraints: try Self.constraints(fromStored: try row.get(4)).json,
                        result: onDisk ? nil : result, resultRef: onDisk ? ResultFileStore.reference(jobID: jobID) : nil,
                        artifactHash: artifactHash, metrics: storedMetrics, billing: billing, requestedAt: requestedAt,
                        startedAt: startedAt, completedAt: completedAt))
                let receiptText = try receipt.map { value throws(CoordinatorError) in try JSONText.text(value, field: "receipt") }
                if let temporaryPath { try results.publish(temporaryPath: temporaryPath, jobID: jobID) }
                try db.execute(
                    """
                    UPDATE job SET state = ?, result = ?, result_ref = ?, result_hash = ?, metrics = ?, receipt = ?,
                        receipt_id = ?, error = NULL, completed_at = ?
                    WHERE id = ? AND state = 'RUNNING' AND assigned_miner_id = ?
                    """,
                    [
                        target.rawValue, inlineText, onDisk ? ResultFileStore.reference(jobID: jobID) : nil, completionHash,
                        try JSONText.text(storedMetrics, field: "metrics"), receiptText, receipt == nil ? nil : receiptID,
                        completedAt, jobID, minerID,
                    ])
                guard db.changes == 1 else { throw CoordinatorError.conflictState("job changed concurrently") }
                if let receiptText {
                    try db.execute(
                        "INSERT INTO jobreceipt(id, job_id, receipt_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                        [Identifiers.uuidHex(), jobID, receiptID, receiptText, completedAt])
                }
                try db.execute(
                    """
                    UPDATE miner SET inflight = MAX(inflight - 1, 0), jobs_completed = jobs_completed + 1,
                        total_job_duration_ms = total_job_duration_ms + ?,
                        average_job_duration_ms = CAST(total_job_duration_ms + ? AS REAL) / (jobs_completed + 1),
                        last_receipt_id = COALESCE(?, last_receipt_id)
                    WHERE id = ?
                    """, [durationMS, durationMS, receipt == nil ? nil : receiptID, minerID])
                try Self.record(
                    db, &changes, jobID: jobID, clientID: clientID, from: state, to: target, at: completedAt,
                    actor: "miner:\(minerID)", receiptID: receipt == nil ? nil : receiptID, minerID: minerID)
                return CompletionOutcome(receipt: receipt, replayed: false)
            }
        } catch {
            // Only an unpublished temporary file is left to remove; a published one belongs to the commit.
            if let temporaryPath { results.discard(temporaryPath: temporaryPath) }
            throw error
        }
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
        guard (1...Self.maxErrorCodeBytes).contains(errorCode.utf8.count) else {
            throw .invalidPayload("error_code: must be 1...\(Self.maxErrorCodeBytes) bytes")
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
