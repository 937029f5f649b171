/// The transaction-control statements of one connection (BEGIN/COMMIT/ROLLBACK, and
/// SAVEPOINT/RELEASE/ROLLBACK TO per nesting depth), prepared once on first use and held.
///
/// They run on every transaction and every `writeBatched` body, so they bypass the statement
/// cache: no SQL string is built, hashed or looked up per call. Parameterless, so they step
/// without binding. Not `Sendable`, like the `Connection` that owns it.
final class TransactionStatements {
    /// The SQL of one savepoint level (https://www.sqlite.org/lang_savepoint.html).
    struct SavepointLevel {
        let open: Statement
        let release: Statement
        let rollback: Statement
    }

    private let db: OpaquePointer
    /// BEGIN DEFERRED, IMMEDIATE, EXCLUSIVE (a switch, not a dictionary: no hashing per call).
    private var begins: [Statement?] = [nil, nil, nil]
    private var commitStatement: Statement?
    private var rollbackStatement: Statement?
    /// `levels[depth - 1]` holds the statements naming `aitbc_sp<depth>`.
    private var levels: [SavepointLevel] = []

    init(db: OpaquePointer) { self.db = db }

    /// `BEGIN <kind> TRANSACTION`.
    func begin(_ kind: TransactionKind) throws(SQLiteError) -> Statement {
        let slot: Int
        switch kind {
        case .deferred: slot = 0
        case .immediate: slot = 1
        case .exclusive: slot = 2
        }
        if let statement = begins[slot] { return statement }
        let statement = try Statement(db: db, sql: "BEGIN \(kind.rawValue) TRANSACTION", persistent: true)
        begins[slot] = statement
        return statement
    }

    /// `COMMIT TRANSACTION`.
    func commit() throws(SQLiteError) -> Statement {
        if let commitStatement { return commitStatement }
        let statement = try Statement(db: db, sql: "COMMIT TRANSACTION", persistent: true)
        commitStatement = statement
        return statement
    }

    /// `ROLLBACK TRANSACTION`.
    func rollback() throws(SQLiteError) -> Statement {
        if let rollbackStatement { return rollbackStatement }
        let statement = try Statement(db: db, sql: "ROLLBACK TRANSACTION", persistent: true)
        rollbackStatement = statement
        return statement
    }

    /// The statements for savepoint level `depth` (1 for the outermost).
    func savepoint(depth: Int) throws(SQLiteError) -> SavepointLevel {
        precondition(depth >= 1, "savepoint depth starts at 1")
        while levels.count < depth {
            let name = "aitbc_sp\(levels.count + 1)"
            levels.append(
                SavepointLevel(
                    open: try Statement(db: db, sql: "SAVEPOINT \(name)", persistent: true),
                    release: try Statement(db: db, sql: "RELEASE SAVEPOINT \(name)", persistent: true),
                    rollback: try Statement(db: db, sql: "ROLLBACK TO SAVEPOINT \(name)", persistent: true)))
        }
        return levels[depth - 1]
    }

    /// Finalizes every held statement (before the connection closes).
    func removeAll() {
        begins = [nil, nil, nil]
        commitStatement = nil
        rollbackStatement = nil
        levels.removeAll()
    }
}
