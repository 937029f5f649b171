/// How a transaction takes its locks (https://www.sqlite.org/lang_transaction.html).
public enum TransactionKind: String, Sendable {
    /// Locks on first read/write. A read transaction that later writes can fail with
    /// `SQLITE_BUSY_SNAPSHOT` in WAL mode, so writers should prefer `.immediate`.
    case deferred = "DEFERRED"
    /// Takes the write lock at BEGIN, waiting up to the busy timeout.
    case immediate = "IMMEDIATE"
    /// Like `.immediate` in WAL mode; in rollback-journal mode also blocks readers.
    case exclusive = "EXCLUSIVE"
}

extension Connection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws and
    /// rethrows that first error (a failing ROLLBACK never masks it). Inside an open
    /// transaction it nests as a savepoint instead.
    /// - Throws: what `body` throws, or `SQLiteError` from BEGIN/COMMIT.
    public func transaction<T>(_ kind: TransactionKind = .deferred, _ body: (Connection) throws -> T) throws -> T {
        if isInTransaction { return try savepoint(body) }
        try begin(kind)
        let value: T
        do {
            value = try body(self)
        } catch {
            rollbackIfNeeded()
            throw error
        }
        do {
            try commit()
        } catch {
            rollbackIfNeeded()
            throw error
        }
        return value
    }

    /// Runs `body` inside a SAVEPOINT: released when it returns, rolled back to (and released)
    /// when it throws, so only its own changes are undone
    /// (https://www.sqlite.org/lang_savepoint.html). Outside a transaction it behaves like
    /// a deferred transaction.
    /// - Throws: what `body` throws, or `SQLiteError` from SAVEPOINT/RELEASE.
    public func savepoint<T>(_ body: (Connection) throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        // Held statements per depth (no SQL built or looked up per call).
        let level = try transactionStatements.savepoint(depth: savepointDepth)
        try level.open.run()
        let value: T
        do {
            value = try body(self)
        } catch {
            // Some errors (SQLITE_FULL, IOERR, BUSY during commit) roll the whole transaction
            // back, and the savepoint with it; then there is nothing left to roll back to.
            if isInTransaction {
                try? level.rollback.run()
                try? level.release.run()
            }
            throw error
        }
        do {
            try level.release.run()
        } catch {
            if isInTransaction {
                try? level.rollback.run()
                try? level.release.run()
            }
            throw error
        }
        return value
    }

    /// `BEGIN <kind> TRANSACTION` through the held statement.
    /// - Throws: `SQLiteError` (e.g. `SQLITE_BUSY` past the busy timeout).
    func begin(_ kind: TransactionKind) throws(SQLiteError) {
        try transactionStatements.begin(kind).run()
    }

    /// `COMMIT TRANSACTION` through the held statement.
    /// - Throws: `SQLiteError`.
    func commit() throws(SQLiteError) {
        try transactionStatements.commit().run()
    }

    /// Rolls back the open transaction, if SQLite has not already done so.
    func rollbackIfNeeded() {
        guard isInTransaction else { return }
        try? transactionStatements.rollback().run()
    }
}
