/// One schema step: a named SQL script, applied once, in list order.
///
/// The script runs inside the migrator's transaction, so it must not contain transaction
/// control (`BEGIN`, `COMMIT`) or statements that refuse a transaction (`CREATE INDEX CONCURRENTLY`).
public struct PostgresMigration: Sendable, Equatable {
    /// A unique name, recorded in the migrations table (e.g. `001-create-jobs`).
    public let name: String
    /// The SQL script (several statements allowed).
    public let sql: String

    /// A migration.
    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// Applies an append-only list of migrations, recording each in a table.
///
/// All pending migrations run in one transaction holding a transaction-level advisory lock, so
/// two instances starting at once apply each migration exactly once: the second waits for the
/// lock, then finds them recorded. A failure rolls everything back.
public struct PostgresMigrator: Sendable {
    /// The migrations, in order.
    public let migrations: [PostgresMigration]
    /// The table that records applied migrations.
    public let table: String

    /// A migrator; `table` must be a lower-case SQL identifier (it is written into SQL).
    public init(_ migrations: [PostgresMigration], table: String = "aitbc_schema_migrations") {
        self.migrations = migrations
        self.table = table
    }

    /// The advisory-lock key: FNV-1a of the table name, stable across processes and builds
    /// (Swift's `Hasher` is seeded per process, so it would not serialize two instances).
    var lockKey: Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "aitbc-migrations:\(table)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// Brings the database up to date.
    /// - Returns: the names applied by this call (empty when already current).
    /// - Throws: `PostgresMigrationError`.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) async throws(PostgresMigrationError) -> [String] {
        try validate()
        do {
            return try await connection.transaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock($1)", [lockKey])
                try await connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS \(table) (
                        position integer PRIMARY KEY,
                        name text NOT NULL UNIQUE,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
                let applied = try await appliedNames(connection)
                try check(applied: applied)
                var names: [String] = []
                for (position, migration) in migrations.enumerated().dropFirst(applied.count) {
                    do throws(PostgresError) {
                        try await connection.executeScript(migration.sql)
                    } catch {
                        throw PostgresMigrationError.failed(name: migration.name, underlying: error)
                    }
                    try await connection.execute("INSERT INTO \(table) (position, name) VALUES ($1, $2)", [position + 1, migration.name])
                    names.append(migration.name)
                }
                return names
            }
        } catch let error as PostgresMigrationError {
            throw error
        } catch let error as PostgresError {
            throw .database(error)
        } catch {
            throw .database(PostgresError(kind: .unexpectedResponse, message: "\(error)"))
        }
    }

    /// The names recorded as applied, in order (empty when the table does not exist yet).
    /// - Throws: `PostgresMigrationError.database`.
    public func applied(_ connection: PostgresConnection) async throws(PostgresMigrationError) -> [String] {
        do {
            let exists = try await connection.query("SELECT to_regclass($1) IS NOT NULL AS present", [table])
            guard try exists.first?.get("present", as: Bool.self) == true else { return [] }
            return try await appliedNames(connection)
        } catch let error as PostgresError {
            throw .database(error)
        } catch {
            throw .database(PostgresError(kind: .unexpectedResponse, message: "\(error)"))
        }
    }

    private func appliedNames(_ connection: PostgresConnection) async throws -> [String] {
        try await connection.query("SELECT name FROM \(table) ORDER BY position").rows.map { try $0.get("name", as: String.self) }
    }

    /// Table name and migration names are checked before anything touches the database.
    private func validate() throws(PostgresMigrationError) {
        let validTable =
            !table.isEmpty && table.utf8.count <= 63 && table.utf8.first.map { $0 == UInt8(ascii: "_") || (0x61...0x7A).contains($0) } == true
            && table.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
        guard validTable else { throw .invalidTableName(table) }
        var seen: Set<String> = []
        for migration in migrations {
            guard !migration.name.isEmpty, seen.insert(migration.name).inserted else { throw .duplicateName(migration.name) }
        }
    }

    /// The recorded history must be a prefix of the list: migrations are append-only.
    private func check(applied: [String]) throws(PostgresMigrationError) {
        for (index, name) in applied.enumerated() {
            guard index < migrations.count else {
                throw .databaseNewerThanCode(appliedCount: applied.count, knownCount: migrations.count)
            }
            guard migrations[index].name == name else {
                throw .historyMismatch(position: index + 1, recorded: name, expected: migrations[index].name)
            }
        }
    }
}

/// Migrations could not run.
public enum PostgresMigrationError: Error, Sendable, CustomStringConvertible {
    /// The migrations table name is not a plain lower-case identifier of at most 63 bytes.
    case invalidTableName(String)
    /// Two migrations share a name, or a name is empty.
    case duplicateName(String)
    /// The database records more migrations than this build knows: newer code migrated it.
    case databaseNewerThanCode(appliedCount: Int, knownCount: Int)
    /// The recorded history differs from the list: a migration was renamed, removed or reordered.
    case historyMismatch(position: Int, recorded: String, expected: String)
    /// A migration's script failed; nothing of this run was kept.
    case failed(name: String, underlying: PostgresError)
    /// Reading or writing the migrations table failed.
    case database(PostgresError)

    /// Names the migration and the cause.
    public var description: String {
        switch self {
        case .invalidTableName(let name): "invalid migrations table name '\(PostgresConfiguration.printable(name))'"
        case .duplicateName(let name): "migration name '\(name)' is empty or used twice"
        case .databaseNewerThanCode(let applied, let known):
            "the database has \(applied) migrations applied but this build knows \(known); upgrade the software"
        case .historyMismatch(let position, let recorded, let expected):
            "migration \(position) is recorded as '\(recorded)' but this build lists '\(expected)'; migrations are append-only"
        case .failed(let name, let underlying): "migration '\(name)' failed (rolled back): \(underlying)"
        case .database(let error): "migrations: \(error)"
        }
    }
}
