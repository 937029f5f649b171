import Cryptography
public import JSON
import SQLite
import WireModels

extension CoordinatorStore {
    /// Longest `Idempotency-Key` accepted.
    public static let maxIdempotencyKeyBytes = 255

    /// Submits a job for `clientID` (POST /v1/jobs). With an idempotency key, the same client
    /// and key within 24 h returns the original job when the body matches (`replayed`).
    /// - Throws: `CoordinatorError.invalidPayload` (payload not an object, ttl out of
    ///   1…86400, bad key), `.payloadTooLarge`, `.idempotencyConflict` (same key, other body).
    public func submit(clientID: String, _ submission: JobSubmission) async throws(CoordinatorError) -> SubmitOutcome {
        guard case .object = submission.payload else { throw .invalidPayload("payload: must be an object") }
        let ttl = submission.ttlSeconds ?? configuration.jobTTLSeconds
        guard (1...86_400).contains(ttl) else { throw .invalidPayload("ttl_seconds: must be an integer in 1...86400") }
        if let key = submission.idempotencyKey {
            guard (1...Self.maxIdempotencyKeyBytes).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
            else {
                throw .invalidPayload("Idempotency-Key: must be 1...255 visible ASCII characters")
            }
        }
        try Self.checkTokenLimit(of: submission.payload, maximum: configuration.maxJobTokenLimit)
        let payloadText = String(
            decoding: try JSONText.bytes(submission.payload, field: "payload", limit: configuration.maxBodyBytes), as: UTF8.self)
        let constraintsJSON = submission.constraints.json
        let constraintsText = try JSONText.text(constraintsJSON, field: "constraints")
        // The body hash that decides "same request" for idempotency: payload, constraints
        // and ttl in one order-independent encoding.
        var computedHash: String?
        if submission.idempotencyKey != nil {
            let request: JSONValue = .object([
                JSONMember(key: "payload", value: submission.payload),
                JSONMember(key: "constraints", value: constraintsJSON),
                JSONMember(key: "ttl_seconds", value: .integer(JSONInteger(ttl))),
            ])
            let bytes: [UInt8]
            do { bytes = try JSONSerializer(options: .sortedKeys).serialize(request) } catch {
                throw .invalidPayload("payload: numbers must be finite")
            }
            computedHash = Hex.encode(SHA256.hash(bytes))
        }
        let requestHash = computedHash
        let id = Identifiers.uuidHex()
        let now = clock.nowMilliseconds()
        let windowMS = Int64(configuration.idempotencyWindowSeconds) * 1_000
        let key = submission.idempotencyKey
        let constraints = submission.constraints
        let quota = configuration.maxQueuedJobsPerClient
        let setQuota = configuration.maxConstraintSetsPerClient
        return try await batched { db, changes in
            if let key, let requestHash {
                if let existing = try db.queryOne(
                    "SELECT \(Self.jobColumns), request_hash FROM job WHERE client_id = ? AND idempotency_key = ?", [clientID, key])
                {
                    let record = try Self.jobRecord(from: existing)
                    if record.requestedAt + windowMS > now {
                        let storedHash: String? = try existing.get(14)
                        guard storedHash == requestHash else { throw CoordinatorError.idempotencyConflict }
                        return SubmitOutcome(job: record, replayed: true)
                    }
                    // Window over: the old job keeps existing but releases the key.
                    try db.execute("UPDATE job SET idempotency_key = NULL WHERE id = ?", [record.id])
                }
            }
            // The client's non-empty queues: at most MAX_CONSTRAINT_SETS_PER_CLIENT rows, so
            // both quotas cost a bounded read.
            var queued = 0
            var sets = 0
            var hasSet = false
            for row in try db.query(
                "SELECT queued, constraints = ? FROM job_queue WHERE client_id = ? AND queued > 0", [constraintsText, clientID])
            {
                queued += try row.get(0) as Int
                sets += 1
                if try row.get(1) as Bool { hasSet = true }
            }
            guard queued < quota else { throw CoordinatorError.queueQuotaExceeded(limit: quota) }
            guard hasSet || sets < setQuota else { throw CoordinatorError.constraintSetQuotaExceeded(limit: setQuota) }
            // The job's queue: one per (client, constraints), made on first use. The no-op
            // update makes RETURNING answer for an existing row too.
            guard
                let queueID: Int64 = try db.queryOne(
                    """
                    INSERT INTO job_queue(client_id, constraints) VALUES (?, ?)
                    ON CONFLICT (client_id, constraints) DO UPDATE SET queued = queued RETURNING id
                    """, [clientID, constraintsText])?.get(0)
            else { throw CoordinatorError.storage("job_queue upsert returned no row") }
            let expiresAt = now + Int64(ttl) * 1_000
            try db.execute(
                """
                INSERT INTO job(id, client_id, state, payload, constraints, ttl_seconds, requested_at, expires_at, idempotency_key, request_hash, seq, queue_id)
                VALUES (?, ?, 'QUEUED', ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job), ?)
                """,
                [id, clientID, payloadText, constraintsText, ttl, now, expiresAt, key, requestHash, queueID])
            try Self.record(
                db, &changes, jobID: id, clientID: clientID, from: nil, to: .queued, at: now, actor: "client:\(clientID)",
                constraints: constraints)
            let record = JobRecord(
                id: id, clientID: clientID, state: .queued, constraints: constraints, ttlSeconds: ttl, requestedAt: now,
                expiresAt: expiresAt, assignedMinerID: nil, startedAt: nil, completedAt: nil, error: nil, attempts: 0,
                receiptID: nil, resultRef: nil)
            return SubmitOutcome(job: record, replayed: false)
        }
    }

    /// Refuses an inference payload whose declared generation limit (`options.num_predict`,
    /// what it may bill) is not an integer in 1...`maximum` (−1, Ollama's "unlimited", is
    /// allowed and bills up to `DEFAULT_JOB_TOKEN_LIMIT`).
    /// - Throws: `CoordinatorError.invalidPayload`.
    static func checkTokenLimit(of payload: JSONValue, maximum: Int) throws(CoordinatorError) {
        guard (try? JobKind.select(for: payload)) == .ollamaGenerate, let value = payload["options"]?["num_predict"], !value.isNull
        else { return }
        if let integer = value.integerValue?.intValue, integer == -1 || (1...maximum).contains(integer) { return }
        throw .invalidPayload("payload.options.num_predict: must be -1 or an integer in 1...\(maximum) (the tokens the job may bill)")
    }

    /// A job as its client (or, with `clientID` nil, an admin) sees it (GET /v1/jobs/{id}). A
    /// QUEUED job past `expires_at` is first moved to EXPIRED.
    /// - Throws: `CoordinatorError.jobNotFound` for unknown or foreign jobs.
    public func job(id: String, clientID: String?) async throws(CoordinatorError) -> JobRecord {
        guard Identifiers.isWellFormed(id) else { throw .jobNotFound }
        let record: JobRecord = try await readingNow { db in
            guard let row = try db.queryOne("SELECT \(Self.jobColumns) FROM job WHERE id = ?", [id]) else {
                throw CoordinatorError.jobNotFound
            }
            return try Self.jobRecord(from: row)
        }
        if let clientID, record.clientID != clientID { throw .jobNotFound }
        let now = clock.nowMilliseconds()
        guard record.state == .queued, record.expiresAt <= now else { return record }
        return try await batched { db, changes in
            _ = try Self.expireIfStale(db, &changes, jobID: id, clientID: record.clientID, expiresAt: record.expiresAt, now: now)
            guard let row = try db.queryOne("SELECT \(Self.jobColumns) FROM job WHERE id = ?", [id]) else {
                throw CoordinatorError.jobNotFound
            }
            return try Self.jobRecord(from: row)
        }
    }

    /// The result of a terminal job (GET /v1/jobs/{id}/result): result (from disk when stored
    /// there), latest receipt, state and error — also for FAILED/CANCELED/EXPIRED jobs without
    /// a result (spec §11 weakness 9).
    /// - Throws: `CoordinatorError.jobNotFound`, `.jobNotReady` while QUEUED/RUNNING.
    public func result(jobID: String, clientID: String?) async throws(CoordinatorError) -> JobResultView {
        let stored = try await storedResult(jobID: jobID, clientID: clientID)
        return JobResultView(
            state: stored.state, error: stored.error,
            result: try stored.result.map { bytes throws(CoordinatorError) in try JSONText.parse(bytes) },
            receipt: try stored.receipt.map { bytes throws(CoordinatorError) in try JSONText.parse(bytes) })
    }

    /// The body of `GET /v1/jobs/{id}/result`, the serialization of `result(...).json`, spliced
    /// from the compact JSON the store wrote instead of parsing and re-serializing it.
    /// - Throws: as `result`.
    public func resultBody(jobID: String, clientID: String?) async throws(CoordinatorError) -> [UInt8] {
        try await storedResult(jobID: jobID, clientID: clientID).body
    }

    /// A terminal job's result and receipt as stored: compact JSON this store serialized.
    struct StoredResult: Sendable {
        var state: JobState
        var error: String?
        var result: [UInt8]?
        var receipt: [UInt8]?

        /// `{"result","receipt","state","error"}` as `JobResultView.json` serializes it.
        var body: [UInt8] {
            var bytes = Array(#"{"result":"#.utf8)
            bytes.append(contentsOf: result ?? Array("null".utf8))
            bytes.append(contentsOf: #","receipt":"#.utf8)
            bytes.append(contentsOf: receipt ?? Array("null".utf8))
            bytes.append(contentsOf: #","state":"#.utf8)
            bytes.append(contentsOf: (try? JSONSerializer().serialize(.string(state.rawValue))) ?? [])
            bytes.append(contentsOf: #","error":"#.utf8)
            bytes.append(contentsOf: (try? JSONSerializer().serialize(error.map(JSONValue.string) ?? .null)) ?? [])
            bytes.append(UInt8(ascii: "}"))
            return bytes
        }
    }

    func storedResult(jobID: String, clientID: String?) async throws(CoordinatorError) -> StoredResult {
        guard Identifiers.isWellFormed(jobID) else { throw .jobNotFound }
        // The record and its result in one snapshot (one read instead of two).
        let (first, firstStored): (JobRecord, (String?, String?)) = try await readingNow { db in
            guard let row = try db.queryOne("SELECT \(Self.jobColumns), result, \(Self.receiptColumn) FROM job WHERE id = ?", [jobID]) else {
                throw CoordinatorError.jobNotFound
            }
            return (try Self.jobRecord(from: row), (try row.get(14), try row.get(15)))
        }
        if let clientID, first.clientID != clientID { throw .jobNotFound }
        var record = first
        var stored = firstStored
        if !record.state.isTerminal {
            // Not finished, or a QUEUED job past its TTL that `job` expires lazily first.
            record = try await job(id: jobID, clientID: clientID)
            guard record.state.isTerminal else { throw .jobNotReady }
            stored = try await readingNow { db in
                guard let row = try db.queryOne("SELECT result, \(Self.receiptColumn) FROM job WHERE id = ?", [jobID]) else {
                    throw CoordinatorError.jobNotFound
                }
                return (try row.get(0), try row.get(1))
            }
        }
        var result: [UInt8]?
        if let text = stored.0 {
            result = Array(text.utf8)
        } else if record.resultRef != nil {
            // A file is checked before it goes out as is: a truncated or damaged one must answer
            // a storage error, not a 200 with broken JSON (results in the row were written in
            // the same transaction as the state and cannot be torn).
            let bytes = try results.read(jobID: jobID)
            _ = try JSONText.parse(bytes)
            result = bytes
        }
        return StoredResult(state: record.state, error: record.error, result: result, receipt: stored.1.map { Array($0.utf8) })
    }

    /// The latest signed receipt of a job (GET /v1/jobs/{id}/receipt).
    /// - Throws: `CoordinatorError.jobNotFound`, `.receiptNotAvailable` (the job exists, without a receipt).
    public func latestReceipt(jobID: String, clientID: String?) async throws(CoordinatorError) -> JSONValue {
        try JSONText.parse(try await latestReceiptBody(jobID: jobID, clientID: clientID))
    }

    /// The latest signed receipt as the compact JSON the store wrote (the response body as is).
    /// - Throws: as `latestReceipt`.
    public func latestReceiptBody(jobID: String, clientID: String?) async throws(CoordinatorError) -> [UInt8] {
        guard Identifiers.isWellFormed(jobID) else { throw .jobNotFound }
        let stored: (String, String?, String) = try await readingNow { db in
            guard let row = try db.queryOne("SELECT client_id, \(Self.receiptColumn), state FROM job WHERE id = ?", [jobID]) else {
                throw CoordinatorError.jobNotFound
            }
            return (try row.get(0), try row.get(1), try row.get(2))
        }
        if let clientID, stored.0 != clientID { throw .jobNotFound }
        guard let text = stored.1 else {
            guard let state = JobState(rawValue: stored.2) else { throw .storage("unknown job state \(stored.2)") }
            throw .receiptNotAvailable(state: state)
        }
        return Array(text.utf8)
    }

    /// Cancels a QUEUED or RUNNING job of `clientID` (POST /v1/jobs/{id}/cancel): state
    /// CANCELED, error `canceled by client`, assignment cleared, and the miner's inflight
    /// decremented (spec §11 weakness 5).
    /// - Throws: `CoordinatorError.jobNotFound`, `.jobNotCancelable`.
    public func cancel(jobID: String, clientID: String) async throws(CoordinatorError) -> JobRecord {
        guard Identifiers.isWellFormed(jobID) else { throw .jobNotFound }
        let now = clock.nowMilliseconds()
        // A lazily expired job answers 409 but its expiry must still commit, so that refusal is
        // returned from the transaction instead of thrown (a throw rolls the expiry back).
        let outcome: Result<JobRecord, CoordinatorError> = try await batched { db, changes in
            guard let row = try db.queryOne("SELECT \(Self.jobColumns) FROM job WHERE id = ?", [jobID]) else {
                throw CoordinatorError.jobNotFound
            }
            var record = try Self.jobRecord(from: row)
            guard record.clientID == clientID else { throw CoordinatorError.jobNotFound }
            if record.state == .queued,
                try Self.expireIfStale(db, &changes, jobID: jobID, clientID: clientID, expiresAt: record.expiresAt, now: now)
            {
                return .failure(.jobNotCancelable(state: .expired))
            }
            let target = try JobStateMachine.target(of: .cancel, from: record.state)
            try db.execute(
                """
                UPDATE job SET state = ?, error = 'canceled by client', assigned_miner_id = NULL, completed_at = ?
                WHERE id = ? AND state = ?
                """, [target.rawValue, now, jobID, record.state.rawValue])
            guard db.changes == 1 else { throw CoordinatorError.jobNotCancelable(state: nil) }
            if record.state == .running, let miner = record.assignedMinerID {
                try db.execute("UPDATE miner SET inflight = MAX(inflight - 1, 0) WHERE id = ?", [miner])
            }
            try Self.record(
                db, &changes, jobID: jobID, clientID: clientID, from: record.state, to: target, at: now,
                actor: "client:\(clientID)", detail: "canceled by client", minerID: record.assignedMinerID)
            record.state = target
            record.error = "canceled by client"
            record.assignedMinerID = nil
            record.completedAt = now
            return .success(record)
        }
        return try outcome.get()
    }
}
