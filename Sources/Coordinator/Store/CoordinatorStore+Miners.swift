import Cryptography
import JSON
import SQLite
import WireModels

extension CoordinatorStore {
    /// Registers or re-registers `minerID` (POST /v1/miners/register): capabilities,
    /// concurrency and region replaced, status ONLINE, heartbeat now, a new session token.
    /// The coordinator's own inflight count and statistics are kept, and so is a pinned
    /// `public_key`.
    /// - Returns: the new session token (32 hex).
    /// - Throws: `CoordinatorError.invalidPayload` (capabilities not an object, concurrency
    ///   outside 1…64, region too long, malformed public key), `.payloadTooLarge` (> 64 KiB),
    ///   `.minerKeyPinned` (a `public_key` other than the pinned one), `.minerKeyRequired` (none,
    ///   while one is pinned).
    public func registerMiner(minerID: String, _ registration: MinerRegistration) async throws(CoordinatorError) -> String {
        guard case .object = registration.capabilities else { throw .invalidPayload("capabilities: must be an object") }
        guard (1...64).contains(registration.concurrency) else {
            throw .invalidPayload("concurrency: must be an integer in 1...64")
        }
        if let region = registration.region, region.utf8.count > 64 || !JobConstraints.isPrintableASCII(region) {
            throw .invalidPayload("region: must be at most 64 printable ASCII characters")
        }
        let publicKey = try registration.publicKey.map { key throws(CoordinatorError) in try MinerPublicKey.canonical(key) }
        try Self.checkPrice(registration.capabilities["price"], maximum: configuration.maxUnitPrice)
        let capabilities = String(
            decoding: try JSONText.bytes(registration.capabilities, field: "capabilities", limit: configuration.maxCapabilitiesBytes),
            as: UTF8.self)
        let token = Identifiers.uuidHex()
        let now = clock.nowMilliseconds()
        let region = registration.region
        let concurrency = registration.concurrency
        try await batched { db, _ in
            // The first key registered is pinned (issue #10, defect 9): a stolen miner API key
            // must not be enough to swap in the thief's signing key. Only an admin rotation
            // (`rotateMinerKey`) replaces it. Registering without a key is refused too: every
            // result of a pinned miner needs a claim signed with that key, so such a miner would
            // take jobs it can never deliver.
            if let pinned: String = try db.queryOne("SELECT public_key FROM miner WHERE id = ?", [minerID])?.get(0) {
                guard let publicKey else { throw CoordinatorError.minerKeyRequired(minerID: minerID) }
                guard pinned.lowercased() == publicKey.lowercased() else { throw CoordinatorError.minerKeyPinned(minerID: minerID) }
            }
            try db.execute(
                """
                INSERT INTO miner(id, region, capabilities, concurrency, status, last_heartbeat, session_token, public_key, registered_at)
                VALUES (?, ?, ?, ?, 'ONLINE', ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET region = excluded.region, capabilities = excluded.capabilities,
                    concurrency = excluded.concurrency, status = 'ONLINE', last_heartbeat = excluded.last_heartbeat,
                    session_token = excluded.session_token, public_key = COALESCE(miner.public_key, excluded.public_key)
                """, [minerID, region, capabilities, concurrency, now, token, publicKey, now])
        }
        return token
    }

    /// Refuses a registered `capabilities.price` (the price per unit billed on every job the
    /// miner is assigned, issue 10) that is not a finite number in 0...`MAX_UNIT_PRICE`. A
    /// string holding exactly a JSON number is a number (the reference matched on it); absent
    /// or `null` is no price.
    /// - Throws: `CoordinatorError.invalidPayload`.
    static func checkPrice(_ value: JSONValue?, maximum: Double) throws(CoordinatorError) {
        if value == nil || value?.isNull == true { return }
        guard let price = ConstraintMatcher.number(value), price.isFinite, price >= 0, price <= maximum else {
            throw .invalidPayload("capabilities.price: must be a number in 0...\(JSONFloatText.format(maximum) ?? "MAX_UNIT_PRICE") (MAX_UNIT_PRICE)")
        }
    }

    /// Records a heartbeat (POST /v1/miners/heartbeat). The miner's own inflight number goes
    /// to `reported_inflight`; the coordinator's count is never overwritten (spec §11 weakness 5).
    /// With `heldJobs`, RUNNING jobs of this miner assigned more than `HEARTBEAT_TIMEOUT_SECONDS`
    /// ago that the miner does not hold are released as a heartbeat timeout would (requeued,
    /// or failed at the attempt limit or past their TTL), in the same transaction; and the held
    /// jobs that are no longer RUNNING on this miner come back as `stopJobs` (see `HeartbeatOutcome`).
    /// - Returns: how many jobs were released, and which held jobs the miner must stop.
    /// - Throws: `CoordinatorError.minerNotRegistered`, `.invalidPayload`, `.payloadTooLarge`.
    @discardableResult
    public func heartbeat(minerID: String, _ heartbeat: MinerHeartbeat) async throws(CoordinatorError) -> HeartbeatOutcome {
        guard case .object = heartbeat.metadata else { throw .invalidPayload("metadata: must be an object") }
        guard (0...1_000_000).contains(heartbeat.reportedInflight) else {
            throw .invalidPayload("inflight: must be an integer in 0...1000000")
        }
        let metadata = String(
            decoding: try JSONText.bytes(heartbeat.metadata, field: "metadata", limit: configuration.maxCapabilitiesBytes),
            as: UTF8.self)
        let now = clock.nowMilliseconds()
        let status = heartbeat.status.rawValue
        let reported = heartbeat.reportedInflight
        let held = heartbeat.heldJobs
        let assignedBefore = now - Int64(configuration.heartbeatTimeoutSeconds) * 1_000
        let maxAttempts = configuration.maxAttempts
        return try await batched { db, changes in
            try db.execute(
                "UPDATE miner SET status = ?, reported_inflight = ?, extra_metadata = ?, last_heartbeat = ? WHERE id = ?",
                [status, reported, metadata, now, minerID])
            guard db.changes == 1 else { throw CoordinatorError.minerNotRegistered }
            var report = SweepReport()
            guard let held else { return HeartbeatOutcome(released: report) }
            let jobs = try db.query(
                """
                SELECT id, client_id, attempts, expires_at, constraints FROM job
                WHERE assigned_miner_id = ? AND state = 'RUNNING' AND started_at < ?
                """, [minerID, assignedBefore])
            for job in jobs where !held.contains(try job.get(0)) {
                try Self.releaseRunningJob(
                    db, &changes, job, minerID: minerID, now: now, maxAttempts: maxAttempts, reason: "not held by miner \(minerID)",
                    report: &report)
            }
            let released = report.requeuedJobs + report.failedJobs
            if released > 0 {
                try db.execute("UPDATE miner SET inflight = MAX(inflight - ?, 0) WHERE id = ?", [released, minerID])
            }
            return HeartbeatOutcome(released: report, stopJobs: try Self.jobsToStop(db, held: held, minerID: minerID))
        }
    }

    /// The held jobs that are no longer RUNNING on `minerID`: its work on them can no longer be
    /// accepted (canceled, expired, failed, requeued or reassigned), so it should stop them.
    /// Left out: ids the coordinator does not know, and jobs this miner completed (its result
    /// was accepted; a miner still listing one only raced its own report, and the answer must
    /// never make it drop a report). Sorted, at most `HeartbeatRequest.maxHeldJobs`.
    static func jobsToStop(_ db: Connection, held: Set<String>, minerID: String) throws -> [String] {
        guard !held.isEmpty else { return [] }
        // The usual case — every held job still RUNNING here — costs one indexed query.
        let running = Set(
            try db.query("SELECT id FROM job WHERE assigned_miner_id = ? AND state = 'RUNNING'", [minerID]).map { row -> String in
                try row.get(0)
            })
        var stop: [String] = []
        for id in held.subtracting(running).sorted() {
            guard let row = try db.queryOne("SELECT state, assigned_miner_id FROM job WHERE id = ?", [id]) else { continue }
            let state: String = try row.get(0)
            let assigned: String? = try row.get(1)
            if state == JobState.completed.rawValue, assigned == minerID { continue }
            // RUNNING here but assigned after the query above cannot happen: one transaction.
            if state == JobState.running.rawValue, assigned == minerID { continue }
            stop.append(id)
        }
        return Array(stop.prefix(HeartbeatRequest.maxHeldJobs))
    }

    /// Puts a miner in DRAINING (POST /v1/miners/drain): no new work, running jobs finish.
    /// - Throws: `CoordinatorError.minerNotRegistered`.
    public func drain(minerID: String) async throws(CoordinatorError) {
        let now = clock.nowMilliseconds()
        try await batched { db, _ in
            try db.execute("UPDATE miner SET status = 'DRAINING', last_heartbeat = ? WHERE id = ?", [now, minerID])
            guard db.changes == 1 else { throw CoordinatorError.minerNotRegistered }
        }
    }

    /// Whether `token` is the miner's current session token (constant-time comparison). The
    /// spec leaves token checks optional; routes that want them call this.
    /// - Throws: `CoordinatorError.minerNotRegistered`.
    public func isCurrentSession(minerID: String, token: String) async throws(CoordinatorError) -> Bool {
        let stored: String? = try await readingNow { db in
            guard let row = try db.queryOne("SELECT session_token FROM miner WHERE id = ?", [minerID]) else {
                throw CoordinatorError.minerNotRegistered
            }
            return try row.get(0)
        }
        guard let stored else { return false }
        return ConstantTime.equals(Array(stored.utf8), Array(token.utf8))
    }

    /// One miner, or nil.
    /// - Throws: `CoordinatorError.storage`.
    public func miner(id: String) async throws(CoordinatorError) -> MinerSummary? {
        try await readingNow { db in
            try db.queryOne("SELECT \(Self.minerColumns) FROM miner WHERE id = ?", [id]).map(Self.minerSummary(from:))
        }
    }

    /// Columns read into a `MinerSummary`, in `minerSummary(from:)` order.
    static let minerColumns =
        "id, status, inflight, reported_inflight, concurrency, region, last_heartbeat, average_job_duration_ms, jobs_completed, jobs_failed, last_receipt_id"

    static func minerSummary(from row: Row) throws -> MinerSummary {
        let status: String = try row.get(1)
        return MinerSummary(
            id: try row.get(0), status: MinerStatus(rawValue: status) ?? .offline, inflight: try row.get(2),
            reportedInflight: try row.get(3), concurrency: try row.get(4), region: try row.get(5),
            lastHeartbeat: try row.get(6), averageJobDurationMS: try row.get(7), jobsCompleted: try row.get(8),
            jobsFailed: try row.get(9), lastReceiptID: try row.get(10))
    }
}

extension UInt8 {
    /// Whether this byte is an ASCII hex digit.
    var isHexDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66)
    }
}
