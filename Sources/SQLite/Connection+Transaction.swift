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
        try execute("BEGIN \(kind.rawValue) TRANSACTION")
        let value: T
        do {
            value = try body(self)
        } catch {
            rollbackIfNeeded()
            throw error
        }
        do {
            try execute("COMMIT TRANSACTION")
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
        let name = "aitbc_sp\(savepointDepth)"
        try execute("SAVEPOINT \(name)")
        let value: T
        do {
            value = try body(self)
        } catch {
            // Some errors (SQLITE_FULL, IOERR, BUSY during commit) roll the whole transaction
            // back, and the savepoint with it; then there is nothing left to roll back to.
            if isInTransaction {
                try? execute("ROLLBACK TO SAVEPOINT \(name)")
                try? execute("RELEASE SAVEPOINT \(name)")
            }
            throw error
        }
        do {
            try execute("RELEASE SAVEPOINT \(name)")
        } catch {
            if isInTransaction {
                try? execute("ROLLBACK TO SAVEPOINT \(name)")
                try? execute("RELEASE SAVEPOINT \(name)")
            }
            throw error
        }
        return value
    }

    /// Rolls back the open transaction, if SQLite has not already done so.
    func rollbackIfNeeded() {
        guard isInTransaction else { return }
        try? execute("ROLLBACK TRANSACTION")
    }
}
