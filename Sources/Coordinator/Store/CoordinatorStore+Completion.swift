import Cryptography
public import JSON
import Receipts
import SQLite
import WireModels

/// A completion as the domain decided it (`JobCompletion`): what the store writes.
struct DecidedCompletion: Sendable {
    var jobID: String
    var minerID: String
    var clientID: String
    /// The snapshot's assignment time: the compare-and-set's guard, and the run's start.
    var startedAt: Int64
    var completedAt: Int64
    /// SHA-256 of result and metrics, which tells a replay from a different result.
    var completionHash: String
    /// The result's compact JSON.
    var resultBytes: [UInt8]
    /// Whether the result goes to `DATA_DIR/results/` instead of the row.
    var resultOnDisk: Bool
    /// The metrics as stored (with `duration_ms`).
    var metricsText: String
    /// The signed receipt; nil when signing is off.
    var receipt: JSONValue?
    var receiptID: String
}

extension CoordinatorStore {
    /// Longest `error_code` and `error_message` of a failure report.
    static let maxErrorCodeBytes = 64
    static let maxErrorMessageBytes = 4_096

    /// Persists a completion the domain decided (`JobCompletion`): job COMPLETED with result
    /// (inline, or on disk above the inline limit), metrics and receipt, the `jobreceipt`
    /// history row, the event row and the miner's statistics — in one transaction, as a
    /// compare-and-set on `(state = RUNNING, assigned_miner_id, started_at)` of the snapshot
    /// the decision was made on. If the job moved since, nothing is written and `redecide`
    /// answers from the job as it is now (a replay's stored outcome, or a refusal). The store
    /// itself neither checks claims, bills nor signs.
    /// - Throws: what `redecide` throws, `CoordinatorError.conflictState`, `.storage`.
    func commitCompletion(
        _ decided: DecidedCompletion,
        redecide: @escaping @Sendable (CompletionSnapshot) throws(CoordinatorError) -> CompletionOutcome?
    ) async throws(CoordinatorError) -> CompletionOutcome {
        let resultRef = decided.resultOnDisk ? ResultFileStore.reference(jobID: decided.jobID) : nil
        let inlineText = decided.resultOnDisk ? nil : String(decoding: decided.resultBytes, as: UTF8.self)
        let temporaryPath = decided.resultOnDisk ? try results.writeTemporary(jobID: decided.jobID, bytes: decided.resultBytes) : nil
        let receiptText = try decided.receipt.map { value throws(CoordinatorError) in try JSONText.text(value, field: "receipt") }
        let storedReceiptID = decided.receipt == nil ? nil : decided.receiptID
        let results = self.results
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
                        target.rawValue, inlineText, resultRef, decided.completionHash, decided.metricsText, storedReceiptID,
                        decided.completedAt, decided.jobID, decided.minerID, decided.startedAt,
                    ])
                guard db.changes == 1 else {
                    // The job moved since the snapshot: the domain decides on what it is now.
                    if let outcome = try redecide(try Self.completionSnapshot(db, jobID: decided.jobID)) { return outcome }
                    throw CoordinatorError.conflictState("job was reassigned")
                }
                // The file goes into place only once this completion has won the job.
                if let temporaryPath { try results.publish(temporaryPath: temporaryPath, jobID: decided.jobID) }
                if let receiptText, let storedReceiptID {
                    try db.execute(
                        """
                        INSERT INTO jobreceipt(id, job_id, job_seq, receipt_id, payload, created_at)
                        VALUES (?1, ?2, (SELECT seq FROM job WHERE id = ?2), ?3, ?4, ?5)
                        """,
                        [
                            Identifiers.timeOrderedUUIDHex(milliseconds: decided.completedAt), decided.jobID, storedReceiptID,
                            receiptText, decided.completedAt,
                        ])
                }
                let durationMS = decided.completedAt - decided.startedAt
                try db.execute(
                    """
                    UPDATE miner SET inflight = MAX(inflight - 1, 0), jobs_completed = jobs_completed + 1,
                        total_job_duration_ms = total_job_duration_ms + ?,
                        average_job_duration_ms = CAST(total_job_duration_ms + ? AS REAL) / (jobs_completed + 1),
                        last_receipt_id = COALESCE(?, last_receipt_id)
                    WHERE id = ?
                    """, [durationMS, durationMS, storedReceiptID, decided.minerID])
                try Self.record(
                    db, &changes, jobID: decided.jobID, clientID: decided.clientID, from: .running, to: target,
                    at: decided.completedAt, actor: "miner:\(decided.minerID)", receiptID: storedReceiptID, minerID: decided.minerID)
                return CompletionOutcome(receipt: decided.receipt, replayed: false)
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
