public import JSON
import SQLite
public import WireModels

extension CoordinatorStore {
    /// Checks a `limit` query value.
    /// - Throws: `CoordinatorError.invalidPayload` outside `range`.
    static func checkedLimit(_ limit: Int, _ range: ClosedRange<Int>) throws(CoordinatorError) -> Int {
        guard range.contains(limit) else { throw .invalidPayload("limit: must be an integer in \(range.lowerBound)...\(range.upperBound)") }
        return limit
    }

    /// Admin statistics (GET /v1/admin/stats) with per-state counts. `onlineMiners` counts
    /// ONLINE miners whose heartbeat is fresh (spec §10).
    /// - Throws: `CoordinatorError.storage`.
    public func stats() async throws(CoordinatorError) -> CoordinatorStats {
        let cutoff = clock.nowMilliseconds() - Int64(configuration.heartbeatTimeoutSeconds) * 1_000
        return try await reading { db in
            var byState: [JobState: Int] = [:]
            for state in JobState.allCases { byState[state] = 0 }
            for row in try db.query("SELECT state, COUNT(*) FROM job GROUP BY state") {
                let name: String = try row.get(0)
                if let state = JobState(rawValue: name) { byState[state] = try row.get(1) }
            }
            let miners = try db.queryOne(
                """
                SELECT COUNT(*), COALESCE(SUM(status = 'ONLINE' AND last_heartbeat >= ?), 0),
                    COALESCE(SUM(CASE WHEN average_job_duration_ms > 0 THEN average_job_duration_ms ELSE 0 END), 0)
                FROM miner
                """, [cutoff])
            let minerCount: Int = try miners?.get(0) ?? 0
            let online: Int = try miners?.get(1) ?? 0
            let durationSum: Double = try miners?.get(2) ?? 0
            let total = byState.values.reduce(0, +)
            return CoordinatorStats(
                totalJobs: total, activeJobs: (byState[.queued] ?? 0) + (byState[.running] ?? 0), onlineMiners: online,
                averageMinerJobDurationMS: durationSum / Double(max(1, minerCount)), jobsByState: byState)
        }
    }

    /// The numbers behind the live gauges: QUEUED and RUNNING jobs (index ranges of the active
    /// states, so the cost follows the queue, not the table) and fresh ONLINE miners. `stats()`
    /// counts every job by state, which grows with the table and is for the admin endpoint.
    /// - Throws: `CoordinatorError.storage`.
    public func liveCounts() async throws(CoordinatorError) -> (queued: Int, running: Int, onlineMiners: Int) {
        let cutoff = clock.nowMilliseconds() - Int64(configuration.heartbeatTimeoutSeconds) * 1_000
        return try await reading { db in
            let row = try db.queryOne(
                """
                SELECT (SELECT COUNT(*) FROM job WHERE state = 'QUEUED'), (SELECT COUNT(*) FROM job WHERE state = 'RUNNING'),
                    (SELECT COUNT(*) FROM miner WHERE status = 'ONLINE' AND last_heartbeat >= ?)
                """, [cutoff])
            return (try row?.get(0) ?? 0, try row?.get(1) ?? 0, try row?.get(2) ?? 0)
        }
    }

    /// Whether the database answers a read (readiness), at constant cost. On a reader's queue,
    /// not the caller's thread: the probe matters most when the database is slow.
    /// - Throws: `CoordinatorError.storage`.
    public func ping() async throws(CoordinatorError) {
        _ = try await reading { db in try db.queryOne("SELECT 1 FROM miner LIMIT 1") != nil }
    }

    /// Jobs newest first (GET /v1/admin/jobs), optionally of one state; `limit` 1…500.
    /// - Throws: `CoordinatorError.invalidPayload` for a bad limit or cursor.
    public func listJobs(state: JobState? = nil, limit: Int = 100, cursor: String? = nil) async throws(CoordinatorError)
        -> Page<JobSummary>
    {
        let limit = try Self.checkedLimit(limit, 1...500)
        let position = try cursor.map { text throws(CoordinatorError) in try PageCursor.decodeIntegers(text, count: 2) }
        return try await reading { db in
            var sql = "SELECT rowid, id, state, client_id, assigned_miner_id, requested_at FROM job WHERE 1"
            var arguments: [any SQLiteBindable] = []
            if let state {
                sql += " AND state = ?"
                arguments.append(state.rawValue)
            }
            if let position {
                sql += " AND (requested_at, rowid) < (?, ?)"
                arguments.append(position[0])
                arguments.append(position[1])
            }
            sql += " ORDER BY requested_at DESC, rowid DESC LIMIT ?"
            arguments.append(limit + 1)
            let rows = try db.query(sql, arguments)
            var items: [JobSummary] = []
            var next: String?
            for (index, row) in rows.enumerated() {
                if index == limit {
                    let last = rows[index - 1]
                    next = PageCursor.encode([String(try last.get(5) as Int64), String(try last.get(0) as Int64)])
                    break
                }
                let stateText: String = try row.get(2)
                items.append(
                    JobSummary(
                        id: try row.get(1), state: JobState(rawValue: stateText) ?? .failed, clientID: try row.get(3),
                        assignedMinerID: try row.get(4), requestedAt: try row.get(5)))
            }
            return Page(items: items, nextCursor: next)
        }
    }

    /// Miners by id (GET /v1/admin/miners), optionally of one status; `limit` 1…500.
    /// - Throws: `CoordinatorError.invalidPayload` for a bad limit or cursor.
    public func listMiners(status: MinerStatus? = nil, limit: Int = 100, cursor: String? = nil) async throws(CoordinatorError)
        -> Page<MinerSummary>
    {
        let limit = try Self.checkedLimit(limit, 1...500)
        let after = try cursor.map { text throws(CoordinatorError) in try PageCursor.decode(text, count: 1)[0] }
        return try await reading { db in
            var sql = "SELECT \(Self.minerColumns) FROM miner WHERE 1"
            var arguments: [any SQLiteBindable] = []
            if let status {
                sql += " AND status = ?"
                arguments.append(status.rawValue)
            }
            if let after {
                sql += " AND id > ?"
                arguments.append(after)
            }
            sql += " ORDER BY id LIMIT ?"
            arguments.append(limit + 1)
            let rows = try db.query(sql, arguments)
            var items: [MinerSummary] = []
            for row in rows.prefix(limit) { items.append(try Self.minerSummary(from: row)) }
            let next = rows.count > limit ? items.last.map { PageCursor.encode([$0.id]) } : nil
            return Page(items: items, nextCursor: next)
        }
    }

    /// A job's receipt history, oldest first (GET /v1/jobs/{id}/receipts); `limit` 1…500.
    /// - Throws: `CoordinatorError.jobNotFound` (unknown or foreign job), `.invalidPayload`.
    public func receiptHistory(jobID: String, clientID: String?, limit: Int = 100, cursor: String? = nil)
        async throws(CoordinatorError) -> Page<JSONValue>
    {
        guard Identifiers.isWellFormed(jobID) else { throw .jobNotFound }
        let limit = try Self.checkedLimit(limit, 1...500)
        let after = try cursor.map { text throws(CoordinatorError) in try PageCursor.decodeIntegers(text, count: 1)[0] } ?? 0
        let page: (String?, [(Int64, String)]) = try await reading { db in
            let owner: String? = try db.queryOne("SELECT client_id FROM job WHERE id = ?", [jobID])?.get(0)
            let rows = try db.query(
                """
                SELECT rowid, payload FROM jobreceipt WHERE job_seq = (SELECT seq FROM job WHERE id = ?) AND rowid > ?
                ORDER BY rowid LIMIT ?
                """, [jobID, after, limit + 1])
            return (owner, try rows.map { (try $0.get(0), try $0.get(1)) })
        }
        guard let owner = page.0, clientID == nil || owner == clientID else { throw .jobNotFound }
        var items: [JSONValue] = []
        for (_, text) in page.1.prefix(limit) { items.append(try JSONText.parse(text)) }
        let next = page.1.count > limit ? PageCursor.encode([String(page.1[limit - 1].0)]) : nil
        return Page(items: items, nextCursor: next)
    }

    /// Receipts for the explorer, newest first, optionally of one job; `limit` 1…200, `offset` ≥ 0.
    /// - Throws: `CoordinatorError.invalidPayload` for bad bounds.
    public func explorerReceipts(jobID: String? = nil, limit: Int = 50, offset: Int = 0) async throws(CoordinatorError)
        -> [StoredReceipt]
    {
        let limit = try Self.checkedLimit(limit, 1...200)
        guard (0...1_000_000).contains(offset) else { throw .invalidPayload("offset: must be an integer in 0...1000000") }
        let rows: [(String, String, String, Int64)] = try await reading { db in
            var sql = "SELECT receipt_id, job_id, payload, created_at FROM jobreceipt"
            var arguments: [any SQLiteBindable] = []
            if let jobID {
                sql += " WHERE job_seq = (SELECT seq FROM job WHERE id = ?)"
                arguments.append(jobID)
            }
            sql += " ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?"
            arguments.append(limit)
            arguments.append(offset)
            return try db.query(sql, arguments).map { (try $0.get(0), try $0.get(1), try $0.get(2), try $0.get(3)) }
        }
        var receipts: [StoredReceipt] = []
        for row in rows {
            receipts.append(StoredReceipt(receiptID: row.0, jobID: row.1, receipt: try JSONText.parse(row.2), createdAt: row.3))
        }
        return receipts
    }
}
