public import SQLite
public import Metrics
import Cryptography
public import Logging
import JSON
import Receipts
import Synchronization
import WireModels

/// The coordinator's domain state on SQLite: every operation the routes call, each one
/// transaction. Job transitions are decided by `JobStateMachine` and applied as
/// compare-and-set updates on the state that was read, each with an append-only
/// `job_event` row. Hot writes go through `Database.writeBatched` (group commit).
///
/// After a transaction commits, its job state changes are handed to `observer` (dispatcher
/// wake-ups, client WebSocket events).
public final class CoordinatorStore: Sendable {
    /// The database (WAL, migrated).
    public let database: Database
    /// The validated settings.
    public let configuration: CoordinatorConfiguration
    /// The injected clock.
    public let clock: any CoordinatorClock
    let results: ResultFileStore
    let matchers = MatcherCache()
    let scheduler = ClaimScheduler()
    /// Billing refusals and caps, counted by the domain's completions (created here, with the
    /// metrics factory the store is opened with).
    let billingMetrics: BillingMetrics
    /// The callback lives in a struct: a bare closure inside `Mutex` is reabstracted on every
    /// `withLock` (inout), which wrapped it in one more thunk per call (measured: call depth
    /// and cost grew with every published change).
    private struct Observer: Sendable {
        let callback: @Sendable (JobStateChange) -> Void
    }

    private let observer: Mutex<Observer?>

    /// Wraps an open, migrated database.
    public init(
        database: Database, configuration: CoordinatorConfiguration, clock: any CoordinatorClock = SystemClock(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        billingMetrics = BillingMetrics(factory: metricsFactory)
        self.database = database
        self.configuration = configuration
        self.clock = clock
        results = ResultFileStore(dataDirectory: configuration.dataDirectory)
        observer = Mutex(nil)
    }

    /// The SQLite settings the coordinator uses by default: room in the statement cache for
    /// every statement it prepares (about 50), group commits of up to 256 writes. (Not
    /// `mmapSize`: with a database file that grows with every job, SQLite re-maps it as it
    /// grows, and `munmap` plus page faults cost more than the `pread`s they replace —
    /// measured in docs/benchmarks.md, issue 4.)
    public static var defaultDatabaseConfiguration: Database.Configuration {
        var configuration = Database.Configuration()
        configuration.statementCacheCapacity = 128
        configuration.maxBatchSize = 256
        configuration.label = "coordinator.sqlite"
        return configuration
    }

    /// Opens (creating and migrating) the database named by the configuration. The file is
    /// created mode 0600 (and an existing one group or others may read is tightened, with a
    /// warning: `DatabaseFileMode`); the key ring's derived principal ids are bound to the
    /// installation's principal-id key, created at first open (schema v4).
    /// - Throws: `CoordinatorError.storage` when the file cannot be created, tightened,
    ///   opened or migrated.
    public static func open(
        configuration: CoordinatorConfiguration, clock: any CoordinatorClock = SystemClock(),
        databaseConfiguration: Database.Configuration = CoordinatorStore.defaultDatabaseConfiguration,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "coordinator.store")
    ) async throws(CoordinatorError) -> CoordinatorStore {
        for path in try DatabaseFileMode.prepare(path: configuration.databasePath) {
            logger.warning("database file was readable by group or others; tightened to 0600", metadata: ["path": "\(path)"])
        }
        var configuration = configuration
        do {
            let database = try await Database.open(
                path: configuration.databasePath, configuration: databaseConfiguration, migrator: CoordinatorSchema.migrator)
            let secret = try await database.write { db in
                try db.execute(
                    "INSERT OR IGNORE INTO coordinator_secret(name, value) VALUES ('principal_id_key', ?)",
                    [SecureRandom.bytes(count: 32)])
                let row = try db.queryOne("SELECT value FROM coordinator_secret WHERE name = 'principal_id_key'")
                return try row?.get(0, as: [UInt8].self) ?? []
            }
            guard secret.count >= 16 else { throw CoordinatorError.storage("coordinator_secret.principal_id_key is too short") }
            configuration.keyRing = configuration.keyRing.bindingPrincipalIDs(to: secret)
            return CoordinatorStore(database: database, configuration: configuration, clock: clock, metricsFactory: metricsFactory)
        } catch {
            throw .storage("cannot open \(configuration.databasePath): \(error)")
        }
    }

    /// Sets the callback that receives every committed job state change, in commit order per caller.
    public func setObserver(_ callback: (@Sendable (JobStateChange) -> Void)?) {
        observer.withLock { $0 = callback.map(Observer.init(callback:)) }
    }

    // MARK: - transaction helpers

    /// Runs `body` as one group-committed write; publishes its state changes after the commit.
    func batched<T: Sendable>(
        _ body: @escaping @Sendable (Connection, inout [JobStateChange]) throws -> T
    ) async throws(CoordinatorError) -> T {
        let outcome: (T, [JobStateChange])
        do {
            outcome = try await database.writeBatched { db in
                var changes: [JobStateChange] = []
                let value = try body(db, &changes)
                return (value, changes)
            }
        } catch {
            throw Self.mapError(error)
        }
        publish(outcome.1)
        return outcome.0
    }

    /// Runs `body` in a read snapshot on a reader's own queue: for scans and counts (admin
    /// listings, statistics), whose cost grows with the data.
    func reading<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws(CoordinatorError) -> T {
        do {
            return try await database.read(body)
        } catch {
            throw Self.mapError(error)
        }
    }

    /// Runs `body` in a read snapshot on the calling thread (`Database.readNow`): for the
    /// request path's reads of one row by primary key, where the two thread switches of a
    /// queued read cost more than the read (measured in docs/benchmarks.md, issue 4).
    func readingNow<T: Sendable>(_ body: (Connection) throws -> T) async throws(CoordinatorError) -> T {
        do {
            return try await database.readNow(body)
        } catch {
            throw Self.mapError(error)
        }
    }

    func publish(_ changes: [JobStateChange]) {
        guard !changes.isEmpty, let callback = observer.withLock({ $0?.callback }) else { return }
        for change in changes { callback(change) }
    }

    static func mapError(_ error: any Error) -> CoordinatorError {
        if let error = error as? CoordinatorError { return error }
        return .storage(String(describing: error))
    }

    /// Appends a `job_event` row, keeps the job's queue counter (`job_queue.queued`) in step
    /// with a move into or out of QUEUED, and notes the change for `observer`. Every transition
    /// goes through here, so the counters the claim and the quota read cannot drift.
    static func record(
        _ db: Connection, _ changes: inout [JobStateChange], jobID: String, clientID: String, from: JobState?,
        to: JobState, at: Int64, actor: String, detail: String? = nil, receiptID: String? = nil, minerID: String? = nil,
        constraints: JobConstraints? = nil
    ) throws {
        let queuedDelta = (to == .queued ? 1 : 0) - (from == .queued ? 1 : 0)
        if queuedDelta != 0 {
            try db.execute(
                "UPDATE job_queue SET queued = queued + ?1 WHERE id = (SELECT queue_id FROM job WHERE id = ?2)", [queuedDelta, jobID])
            guard db.changes == 1 else { throw CoordinatorError.storage("job \(jobID) has no queue") }
        }
        try db.execute(
            """
            INSERT INTO job_event(job_id, job_seq, from_state, to_state, at, actor, detail)
            VALUES (?1, (SELECT seq FROM job WHERE id = ?1), ?2, ?3, ?4, ?5, ?6)
            """,
            [jobID, from?.rawValue, to.rawValue, at, actor, detail])
        changes.append(
            JobStateChange(
                jobID: jobID, clientID: clientID, from: from, to: to, at: at, receiptID: receiptID, minerID: minerID,
                constraints: constraints))
    }

    /// The job's latest signed receipt as a column of a `job` query. The receipt is stored once,
    /// in its `jobreceipt` history row (schema v2): a copy in the job row made every completion
    /// grow the row by a kilobyte and split its page. (A copy the v2 migration could not match
    /// to a history row stays in `job.receipt` and is preferred.)
    static let receiptColumn =
        "COALESCE(job.receipt, (SELECT payload FROM jobreceipt WHERE jobreceipt.receipt_id = job.receipt_id))"

    /// Columns read into a `JobRecord`, in `jobRecord(from:)` order.
    static let jobColumns =
        "id, client_id, state, constraints, ttl_seconds, requested_at, expires_at, assigned_miner_id, started_at, completed_at, error, attempts, receipt_id, result_ref"

    static func jobRecord(from row: Row) throws -> JobRecord {
        let stateText: String = try row.get(2)
        guard let state = JobState(rawValue: stateText) else { throw CoordinatorError.storage("unknown job state \(stateText)") }
        let constraintsText: String = try row.get(3)
        return JobRecord(
            id: try row.get(0), clientID: try row.get(1), state: state,
            constraints: try constraints(fromStored: constraintsText),
            ttlSeconds: try row.get(4), requestedAt: try row.get(5), expiresAt: try row.get(6),
            assignedMinerID: try row.get(7), startedAt: try row.get(8), completedAt: try row.get(9),
            error: try row.get(10), attempts: try row.get(11), receiptID: try row.get(12), resultRef: try row.get(13))
    }

    /// Parses stored constraints; `{}` (the common case) skips the parser.
    static func constraints(fromStored text: String) throws(CoordinatorError) -> JobConstraints {
        if text == "{}" { return JobConstraints() }
        let json = try JSONText.parse(text)
        do {
            return try JobConstraints(json: json)
        } catch {
            throw CoordinatorError(error)
        }
    }

    /// Moves a QUEUED job past `expires_at` to EXPIRED (compare-and-set); true when it did.
    static func expireIfStale(
        _ db: Connection, _ changes: inout [JobStateChange], jobID: String, clientID: String, expiresAt: Int64, now: Int64
    ) throws -> Bool {
        guard expiresAt <= now else { return false }
        let target = try JobStateMachine.target(of: .expire, from: .queued)
        try db.execute(
            "UPDATE job SET state = ?, error = 'job expired', completed_at = ? WHERE id = ? AND state = 'QUEUED'",
            [target.rawValue, now, jobID])
        guard db.changes == 1 else { return false }
        try record(db, &changes, jobID: jobID, clientID: clientID, from: .queued, to: target, at: now, actor: "coordinator", detail: "job expired")
        return true
    }

    /// The job's events, oldest first (audit, tests).
    /// - Throws: `CoordinatorError.storage`.
    public func events(jobID: String) async throws(CoordinatorError) -> [JobEventRecord] {
        try await reading { db in
            try db.query(
                "SELECT from_state, to_state, at, actor, detail FROM job_event WHERE job_seq = (SELECT seq FROM job WHERE id = ?) ORDER BY id",
                [jobID]
            ).map {
                row in
                let from: String? = try row.get(0)
                let to: String = try row.get(1)
                return JobEventRecord(
                    from: from.flatMap(JobState.init(rawValue:)), to: JobState(rawValue: to) ?? .failed,
                    at: try row.get(2), actor: try row.get(3), detail: try row.get(4))
            }
        }
    }
}
