import JSON
import SQLite
import WireModels

extension CoordinatorStore {
    /// Stale queued jobs one claim expires on its way before it leaves the rest to the
    /// sweeper, so a backlog of expired jobs cannot make one poll slow.
    static let claimMaxExpirations = 256

    /// Atomically assigns a QUEUED job whose constraints `minerID` satisfies (spec §8), or
    /// returns nil. Runs in one write transaction: the miner must be ONLINE with
    /// `inflight < concurrency`; the job moves with `UPDATE … WHERE id = ? AND state = 'QUEUED'`
    /// (row count checked) and the miner's inflight is incremented in the same transaction, so
    /// no job reaches two miners and no miner exceeds its concurrency.
    ///
    /// Which job (issue 10): queued jobs are grouped into queues by (client, constraints)
    /// (`job_queue`, schema v3). The claim reads the non-empty queues, keeps those the miner
    /// matches, takes the client served least recently among them (round-robin,
    /// `ClaimScheduler`) and gives it that client's oldest job. Its cost grows with the
    /// number of non-empty queues, never with the number of jobs the miner cannot run. The
    /// miner's registered price per unit and its GPU count are fixed on the job here: billing
    /// never takes them from the result.
    /// - Throws: `CoordinatorError.minerNotRegistered`.
    public func claimNextJob(minerID: String) async throws(CoordinatorError) -> ClaimedJob? {
        if case .claimed(let job) = try await claim(minerID: minerID) { return job }
        return nil
    }

    /// What a claim attempt found.
    enum ClaimOutcome: Sendable {
        /// A job was assigned.
        case claimed(ClaimedJob)
        /// The miner could take work, but no queued job fits it (its matcher is attached).
        case nothingMatched(ConstraintMatcher)
        /// The miner takes no work now: not ONLINE, or at its concurrency.
        case minerUnavailable
    }

    /// `claimNextJob` with the reason when nothing was claimed.
    /// - Throws: `CoordinatorError.minerNotRegistered`.
    func claim(minerID: String) async throws(CoordinatorError) -> ClaimOutcome {
        let now = clock.nowMilliseconds()
        let matchers = self.matchers
        let scheduler = self.scheduler
        let claimed: Result<(String, String, JobConstraints), ClaimMiss> = try await batched { db, changes in
            guard
                let miner = try db.queryOne(
                    "SELECT status, inflight, concurrency, region, capabilities FROM miner WHERE id = ?", [minerID])
            else {
                throw CoordinatorError.minerNotRegistered
            }
            let status: String = try miner.get(0)
            let inflight: Int = try miner.get(1)
            let concurrency: Int = try miner.get(2)
            guard status == MinerStatus.online.rawValue, inflight < concurrency else { return .failure(.unavailable) }
            let matcher = try matchers.matcher(minerID: minerID, region: try miner.get(3), capabilities: try miner.get(4))
            // The non-empty queues this miner can run, per client.
            var queuesByClient: [String: [(id: Int64, constraints: JobConstraints)]] = [:]
            for row in try db.query("SELECT id, client_id, constraints FROM job_queue INDEXED BY job_queue_nonempty WHERE queued > 0")
            {
                let constraints = try scheduler.constraints(stored: try row.get(2))
                guard matcher.matches(constraints) else { continue }
                queuesByClient[try row.get(1), default: []].append((try row.get(0), constraints))
            }
            var expirations = 0
            for clientID in scheduler.turnOrder(queuesByClient.keys) {
                // This client's oldest live job among the queues the miner matches.
                var best: (seq: Int64, jobID: String, constraints: JobConstraints)?
                for queue in queuesByClient[clientID] ?? [] {
                    while let head = try db.queryOne(
                        "SELECT seq, id, expires_at FROM job WHERE queue_id = ? AND state = 'QUEUED' ORDER BY seq LIMIT 1", [queue.id])
                    {
                        let seq: Int64 = try head.get(0)
                        let jobID: String = try head.get(1)
                        let expiresAt: Int64 = try head.get(2)
                        if expiresAt <= now {
                            // Expired heads are retired on the way, up to a budget; past it the
                            // queue is skipped and the sweeper retires the rest.
                            guard expirations < Self.claimMaxExpirations else { break }
                            expirations += 1
                            if try Self.expireIfStale(db, &changes, jobID: jobID, clientID: clientID, expiresAt: expiresAt, now: now) {
                                continue
                            }
                            break
                        }
                        if best == nil || seq < best?.seq ?? .max { best = (seq, jobID, queue.constraints) }
                        break
                    }
                }
                guard let best else { continue }
                let target = try JobStateMachine.target(of: .assign, from: .queued)
                try db.execute(
                    """
                    UPDATE job SET state = ?, assigned_miner_id = ?, started_at = ?, unit_price = ?, assigned_gpus = ?
                    WHERE id = ? AND state = 'QUEUED'
                    """,
                    [target.rawValue, minerID, now, matcher.unitPrice, min(matcher.gpuCount, 1), best.jobID])
                guard db.changes == 1 else { continue }
                try db.execute(
                    "UPDATE miner SET inflight = inflight + 1, last_heartbeat = ?, last_job_at = ? WHERE id = ?", [now, now, minerID])
                try Self.record(
                    db, &changes, jobID: best.jobID, clientID: clientID, from: .queued, to: target, at: now,
                    actor: "miner:\(minerID)", minerID: minerID)
                guard let payloadRow = try db.queryOne("SELECT payload FROM job WHERE id = ?", [best.jobID]) else {
                    throw CoordinatorError.storage("claimed job \(best.jobID) vanished")
                }
                scheduler.served(clientID)
                return .success((best.jobID, try payloadRow.get(0), best.constraints))
            }
            return .failure(.noMatch(matcher))
        }
        switch claimed {
        case .success(let job):
            // Parsing happens after the commit, off the writer queue.
            return .claimed(ClaimedJob(jobID: job.0, payload: try JSONText.parse(job.1), constraints: job.2))
        case .failure(.noMatch(let matcher)): return .nothingMatched(matcher)
        case .failure(.unavailable): return .minerUnavailable
        }
    }

    /// Why a claim transaction assigned nothing.
    enum ClaimMiss: Error {
        case noMatch(ConstraintMatcher)
        case unavailable
    }

    /// Acknowledges that the assigned miner started the job (POST /v1/miners/{id}/start).
    /// Not a transition: the poll already moved the job to RUNNING.
    /// - Throws: `CoordinatorError.jobNotFound`, `.conflictState` (not RUNNING), `.forbidden` (other miner).
    public func acknowledgeStart(jobID: String, minerID: String) async throws(CoordinatorError) {
        guard Identifiers.isWellFormed(jobID) else { throw .jobNotFound }
        let row: (String, String?) = try await readingNow { db in
            guard let row = try db.queryOne("SELECT state, assigned_miner_id FROM job WHERE id = ?", [jobID]) else {
                throw CoordinatorError.jobNotFound
            }
            return (try row.get(0), try row.get(1))
        }
        guard row.0 == JobState.running.rawValue else { throw .conflictState("job is \(row.0), not RUNNING") }
        guard row.1 == minerID else { throw .forbidden("job is assigned to another miner") }
    }
}
