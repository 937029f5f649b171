import SQLite
import WireModels

extension CoordinatorStore {
    /// Most rows one sweeper step changes per kind, so one step never holds the writer long;
    /// the next step continues.
    static let sweepBatchLimit = 500

    /// Call once at start-up, before the sweeper runs: miners could not heartbeat while the
    /// coordinator was down, so every non-OFFLINE miner's heartbeat counts from now. Miners
    /// that really vanished are swept one heartbeat timeout later and their RUNNING jobs
    /// requeued then; live miners keep their jobs.
    /// - Throws: `CoordinatorError.storage`.
    public func resumeAfterRestart() async throws(CoordinatorError) {
        let now = clock.nowMilliseconds()
        try await batched { db, _ in
            try db.execute("UPDATE miner SET last_heartbeat = ? WHERE status <> 'OFFLINE' OR inflight > 0", [now])
        }
    }

    /// One sweeper step (spec §10), in one transaction:
    /// * QUEUED jobs with `expires_at <= now` → EXPIRED (`job expired`);
    /// * miners not OFFLINE whose last heartbeat is older than `HEARTBEAT_TIMEOUT_SECONDS`
    ///   → OFFLINE with inflight reset; each of their RUNNING jobs goes back to QUEUED
    ///   (assignment cleared, attempts+1), or to FAILED `requeue limit` when that was its
    ///   `MAX_ATTEMPTS`-th run, or FAILED `job expired` when its TTL has passed.
    /// - Throws: `CoordinatorError.storage`.
    @discardableResult
    public func sweep() async throws(CoordinatorError) -> SweepReport {
        let now = clock.nowMilliseconds()
        let cutoff = now - Int64(configuration.heartbeatTimeoutSeconds) * 1_000
        let maxAttempts = configuration.maxAttempts
        return try await batched { db, changes in
            var report = SweepReport()
            let stale = try db.query(
                "SELECT id, client_id, expires_at FROM job INDEXED BY job_queued_expiry WHERE state = 'QUEUED' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
                [now, Self.sweepBatchLimit])
            for row in stale {
                if try Self.expireIfStale(
                    db, &changes, jobID: try row.get(0), clientID: try row.get(1), expiresAt: try row.get(2), now: now)
                {
                    report.expiredJobs += 1
                }
            }
            // A miner that announced OFFLINE but still holds jobs (inflight > 0) is swept too,
            // or its RUNNING jobs would never come back.
            let miners = try db.query(
                "SELECT id FROM miner WHERE last_heartbeat < ? AND (status <> 'OFFLINE' OR inflight > 0) LIMIT ?",
                [cutoff, Self.sweepBatchLimit])
            for minerRow in miners {
                let minerID: String = try minerRow.get(0)
                try db.execute("UPDATE miner SET status = 'OFFLINE', inflight = 0 WHERE id = ?", [minerID])
                if db.changes == 1 { report.offlineMiners += 1 }
                let jobs = try db.query(
                    "SELECT id, client_id, attempts, expires_at, constraints FROM job WHERE assigned_miner_id = ? AND state = 'RUNNING'",
                    [minerID])
                for job in jobs {
                    try Self.releaseRunningJob(
                        db, &changes, job, minerID: minerID, now: now, maxAttempts: maxAttempts,
                        reason: "miner \(minerID) timed out", report: &report)
                }
            }
            return report
        }
    }

    /// Takes one RUNNING job away from `minerID`: back to QUEUED (assignment cleared,
    /// attempts+1), or FAILED `requeue limit` when that was its `MAX_ATTEMPTS`-th run, or FAILED
    /// `job expired` past its TTL. `job` is the row `id, client_id, attempts, expires_at,
    /// constraints`; `reason` says why, for the event row.
    static func releaseRunningJob(
        _ db: Connection, _ changes: inout [JobStateChange], _ job: Row, minerID: String, now: Int64, maxAttempts: Int, reason: String,
        report: inout SweepReport
    ) throws {
        let jobID: String = try job.get(0)
        let clientID: String = try job.get(1)
        let attempts: Int = try job.get(2)
        let expiresAt: Int64 = try job.get(3)
        let nextAttempts = attempts + 1
        if nextAttempts >= maxAttempts || expiresAt <= now {
            let outcome = expiresAt <= now ? "job expired" : "requeue limit"
            let target = try JobStateMachine.target(of: .exhaust, from: .running)
            try db.execute(
                "UPDATE job SET state = ?, error = ?, attempts = ?, completed_at = ? WHERE id = ? AND state = 'RUNNING'",
                [target.rawValue, outcome, nextAttempts, now, jobID])
            guard db.changes == 1 else { return }
            try record(
                db, &changes, jobID: jobID, clientID: clientID, from: .running, to: target, at: now, actor: "coordinator",
                detail: "\(outcome) (\(reason))", minerID: minerID)
            report.failedJobs += 1
        } else {
            let target = try JobStateMachine.target(of: .requeue, from: .running)
            try db.execute(
                """
                UPDATE job SET state = ?, assigned_miner_id = NULL, started_at = NULL, attempts = ?
                WHERE id = ? AND state = 'RUNNING'
                """, [target.rawValue, nextAttempts, jobID])
            guard db.changes == 1 else { return }
            try record(
                db, &changes, jobID: jobID, clientID: clientID, from: .running, to: target, at: now, actor: "coordinator",
                detail: "requeued: \(reason)", minerID: minerID, constraints: try constraints(fromStored: try job.get(4)))
            report.requeuedJobs += 1
        }
    }
}
