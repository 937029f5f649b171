/// Applies an append-only list of migrations, tracking progress in `PRAGMA user_version`.
public struct Migrator: Sendable {
    /// The migrations, in the order they were registered.
    public private(set) var migrations: [Migration]

    /// A migrator for `migrations` (which must be in increasing version order).
    public init(_ migrations: [Migration] = []) { self.migrations = migrations }

    /// Appends a migration.
    public mutating func register(_ migration: Migration) { migrations.append(migration) }

    /// The version the database has after `migrate`, 0 with no migrations.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Reads `PRAGMA user_version`.
    /// - Throws: `SQLiteError`.
    public static func currentVersion(of connection: Connection) throws -> Int {
        try connection.queryOne("PRAGMA user_version")?.get(0, as: Int.self) ?? 0
    }

    /// Brings the database to `latestVersion`, one transaction per pending migration.
    /// Re-checks the version inside each IMMEDIATE transaction so two processes migrating the
    /// same file apply each step once.
    /// - Throws: `MigrationError` (or `SQLiteError` reading the version).
    public func migrate(_ connection: Connection) throws {
        var previous = 0
        for migration in migrations {
            guard migration.version > previous, migration.version <= Int(Int32.max) else {
                throw MigrationError.invalidVersionOrder(version: migration.version, name: migration.name)
            }
            previous = migration.version
        }
        let current = try Self.currentVersion(of: connection)
        guard current <= latestVersion else {
            throw MigrationError.databaseNewerThanCode(databaseVersion: current, latestKnownVersion: latestVersion)
        }
        for migration in migrations where migration.version > current {
            do {
                try connection.transaction(.immediate) { connection in
                    guard try Self.currentVersion(of: connection) < migration.version else { return }
                    try migration.apply(connection)
                    // PRAGMA takes no bound parameters; the version is a validated integer.
                    try connection.execute("PRAGMA user_version = \(migration.version)")
                }
            } catch {
                throw MigrationError.failed(version: migration.version, name: migration.name, underlying: error)
            }
        }
    }
}
