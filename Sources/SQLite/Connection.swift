internal import CSQLite

/// One SQLite connection: owns its `sqlite3*` and closes it in `deinit`.
///
/// Not `Sendable`. It is opened with `SQLITE_OPEN_NOMUTEX` (SQLite does no locking of its own)
/// and `Database` confines it to one serial queue, so it is only ever reached from the body
/// of a `read`/`write` call. Use `Connection` directly only in single-threaded code.
public final class Connection {
    let db: OpaquePointer
    /// The database file path, or `:memory:`.
    public let path: String
    let configuration: Database.Configuration
    var statementCache: StatementCache
    /// Depth of nested `savepoint` calls, to name each level uniquely.
    var savepointDepth = 0
    /// BEGIN/COMMIT/ROLLBACK and SAVEPOINT statements, prepared once and held.
    let transactionStatements: TransactionStatements

    /// Opens (creating if needed) the database at `path` and applies the configured pragmas:
    /// WAL journal (unless read-only or in memory), busy timeout, synchronous, foreign keys.
    /// A read-only connection also sets `PRAGMA query_only`.
    /// - Throws: `SQLiteError` when the file cannot be opened or a pragma fails.
    public init(
        path: String, configuration: Database.Configuration = Database.Configuration(), readOnly: Bool = false
    ) throws(SQLiteError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard let handle else {
            throw SQLiteError(code: .SQLITE_NOMEM, message: "sqlite3_open_v2 returned no handle", sql: nil)
        }
        guard rc == SQLITE_OK else {
            let error = SQLiteError(
                code: ResultCode(rawValue: sqlite3_extended_errcode(handle)), message: Statement.message(handle),
                sql: nil)
            sqlite3_close_v2(handle)
            throw error
        }
        self.db = handle
        self.path = path
        self.configuration = configuration
        self.statementCache = StatementCache(capacity: configuration.statementCacheCapacity)
        self.transactionStatements = TransactionStatements(db: handle)
        sqlite3_extended_result_codes(handle, 1)
        // Busy timeout first, so the journal-mode switch below waits for other processes' locks.
        sqlite3_busy_timeout(handle, configuration.busyTimeoutMilliseconds)
        if readOnly {
            try execute("PRAGMA query_only = ON")
        } else {
            // WAL is persistent in the file; in-memory databases answer "memory" and stay so.
            // Readers rely on WAL to read while the writer writes, so anything else is an error.
            let mode = (try? queryOne("PRAGMA journal_mode = WAL")?.get(0, as: String.self)) ?? ""
            guard mode == "wal" || mode == "memory" || path.isEmpty else {
                throw SQLiteError(
                    code: .SQLITE_ERROR, message: "could not enable WAL journal mode (got '\(mode)')",
                    sql: "PRAGMA journal_mode = WAL")
            }
        }
        try execute("PRAGMA synchronous = \(configuration.synchronous.rawValue)")
        try execute("PRAGMA foreign_keys = \(configuration.foreignKeys ? "ON" : "OFF")")
        if configuration.mmapSize > 0 {
            // Answers the size it set (capped at SQLITE_MAX_MMAP_SIZE); a row, so not `execute`.
            _ = try queryOne("PRAGMA mmap_size = \(configuration.mmapSize)")
        }
        if let kib = configuration.cacheSizeKiB {
            try execute("PRAGMA cache_size = -\(max(1, kib))")
        }
        if !readOnly, configuration.walAutoCheckpointPages != 1000 {
            _ = try queryOne("PRAGMA wal_autocheckpoint = \(max(0, configuration.walAutoCheckpointPages))")
        }
    }

    deinit {
        statementCache.removeAll()
        transactionStatements.removeAll()
        // close_v2 defers the close until every statement still alive is finalized.
        sqlite3_close_v2(db)
    }

    /// Runs one statement with `arguments`, through the statement cache.
    /// - Throws: `SQLiteError`; several statements in `sql` is `SQLITE_MISUSE` (use `executeScript`).
    public func execute(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws(SQLiteError) {
        try cachedStatement(sql).execute(arguments)
    }

    /// Runs a script of several statements without arguments (schema, migrations); not cached.
    /// - Throws: `SQLiteError` naming the statement that failed; earlier ones stay applied.
    public func executeScript(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &errorMessage)
        defer { sqlite3_free(errorMessage) }
        guard rc == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? Statement.message(db)
            throw SQLiteError(code: ResultCode(rawValue: sqlite3_extended_errcode(db)), message: message, sql: sql)
        }
    }

    /// Runs one query with `arguments` and returns every row.
    /// - Throws: `SQLiteError`.
    public func query(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws(SQLiteError) -> [Row] {
        try cachedStatement(sql).query(arguments)
    }

    /// Runs one query and returns its first row, or `nil` when there is none.
    /// - Throws: `SQLiteError`.
    public func queryOne(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws(SQLiteError) -> Row? {
        try cachedStatement(sql).first(arguments)
    }

    /// Runs one query and hands each row to `body` while stepping, without copying all rows.
    /// - Throws: `SQLiteError`, or what `body` throws.
    public func forEachRow(
        _ sql: String, _ arguments: [any SQLiteBindable] = [], _ body: (Row) throws -> Void
    ) throws {
        try cachedStatement(sql).forEach(arguments, body)
    }

    /// Prepares an uncached statement the caller owns.
    /// - Throws: `SQLiteError`.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(db: db, sql: sql, persistent: false)
    }

    /// The cached statement for `sql`, preparing and caching it on first use.
    /// - Throws: `SQLiteError`.
    public func cachedStatement(_ sql: String) throws(SQLiteError) -> Statement {
        if let statement = statementCache.statement(for: sql) {
            // A `forEachRow` body may re-run its own query; the stepping statement must not be rebound.
            if sqlite3_stmt_busy(statement.handle) == 0 { return statement }
            return try Statement(db: db, sql: sql, persistent: false)
        }
        let statement = try Statement(db: db, sql: sql, persistent: true)
        statementCache.insert(statement, for: sql)
        return statement
    }

    /// The number of statements in the cache.
    public var cachedStatementCount: Int { statementCache.count }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(db) }

    /// Rows changed by the most recent INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes64(db)) }

    /// Rows changed since the connection opened.
    public var totalChanges: Int { Int(sqlite3_total_changes64(db)) }

    /// Whether a transaction is open (SQLite is not in autocommit mode).
    public var isInTransaction: Bool { sqlite3_get_autocommit(db) == 0 }
}
