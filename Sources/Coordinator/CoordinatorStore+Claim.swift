import JSON
import SQLite

extension CoordinatorStore {
    /// Queued jobs read per scan step, and the most rows one claim looks at. The scan walks
    /// the `(state, requested_at)` index in keyset pages, so a poll never loads the whole
    /// queue (spec §11 weakness 4).
    static let claimPageSize = 64
    static let claimMaxScanned = 1_024
    /// The first page is small: usually the oldest queued job fits, and every row of a page
    /// is copied out on the writer thread (with a deep queue, a 64-row first page copied 63
    /// rows per claim for nothing).
    static let claimFirstPageSize = 4

    /// Atomically assigns the oldest QUEUED job whose constraints `minerID` satisfies
    /// (spec §8), or returns nil. Runs in one write transaction: the miner must be ONLINE
    /// with `inflight < concurrency`; stale queued jobs met on the way are expired; the job
    /// moves with `UPDATE … WHERE id = ? AND state = 'QUEUED'` (row count checked) and the
    /// miner's inflight is incremented in the same transaction, so no job reaches two
    /// miners and no miner exceeds its concurrency.
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
            var afterRequestedAt = Int64.min
            var afterRowID = Int64.min
            var scanned = 0
            var pageSize = Self.claimFirstPageSize
            while scanned < Self.claimMaxScanned {
                let limit = min(pageSize, Self.claimMaxScanned - scanned)
                let rows = try db.query(
                    """
                    SELECT rowid, id, client_id, constraints, expires_at, requested_at FROM job
                    WHERE state = 'QUEUED' AND (requested_at, rowid) > (?, ?)
                    ORDER BY requested_at, rowid LIMIT ?
                    """, [afterRequestedAt, afterRowID, limit])
                for row in rows {
                    scanned += 1
                    afterRowID = try row.get(0)
                    afterRequestedAt = try row.get(5)
                    let jobID: String = try row.get(1)
                    let clientID: String = try row.get(2)
                    let expiresAt: Int64 = try row.get(4)
                    if try Self.expireIfStale(db, &changes, jobID: jobID, clientID: clientID, expiresAt: expiresAt, now: now) {
                        continue
                    }
                    let constraints = try Self.constraints(fromStored: try row.get(3))
                    guard matcher.matches(constraints) else { continue }
                    let target = try JobStateMachine.target(of: .assign, from: .queued)
                    try db.execute(
                        "UPDATE job SET state = ?, assigned_miner_id = ?, started_at = ? WHERE id = ? AND state = 'QUEUED'",
                        [target.rawValue, minerID, now, jobID])
                    guard db.changes == 1 else { continue }
                    try db.execute(
                        "UPDATE miner SET inflight = inflight + 1, last_heartbeat = ?, last_job_at = ? WHERE id = ?",
                        [now, now, minerID])
                    try Self.record(
                        db, &changes, jobID: jobID, clientID: clientID, from: .queued, to: target, at: now, actor: "miner:\(minerID)",
                        minerID: minerID)
                    guard let payloadRow = try db.queryOne("SELECT payload FROM job WHERE id = ?", [jobID]) else {
                        throw CoordinatorError.storage("claimed job \(jobID) vanished")
                    }
                    return .success((jobID, try payloadRow.get(0), constraints))
                }
                if rows.count < limit { break }
                pageSize = Self.claimPageSize
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
