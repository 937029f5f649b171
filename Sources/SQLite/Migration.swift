/// One schema step: applied once, in version order, in its own transaction.
public struct Migration: Sendable {
    /// The `PRAGMA user_version` this migration brings the database to (1, 2, 3, …).
    public let version: Int
    /// A short name for logs and errors.
    public let name: String
    let apply: @Sendable (Connection) throws -> Void

    /// A migration that runs an SQL script.
    public init(version: Int, name: String, sql: String) {
        self.init(version: version, name: name) { connection in try connection.executeScript(sql) }
    }

    /// A migration that runs Swift code (data backfills, conditional DDL).
    public init(version: Int, name: String, _ apply: @escaping @Sendable (Connection) throws -> Void) {
        self.version = version
        self.name = name
        self.apply = apply
    }
}

/// A migration could not run, or the database is from newer code.
public enum MigrationError: Error, Sendable, CustomStringConvertible {
    /// The file's `user_version` is beyond the last migration this build knows: opening it
    /// could corrupt data written by a newer release.
    case databaseNewerThanCode(databaseVersion: Int, latestKnownVersion: Int)
    /// Versions must be positive, fit 32 bits and strictly increase (an append-only list).
    case invalidVersionOrder(version: Int, name: String)
    /// A migration failed and was rolled back; the database stays at the previous version.
    case failed(version: Int, name: String, underlying: any Error)

    /// Names versions and the failing migration.
    public var description: String {
        switch self {
        case .databaseNewerThanCode(let found, let known):
            "database schema version \(found) is newer than this build knows (\(known)); upgrade the software"
        case .invalidVersionOrder(let version, let name):
            "migration \(version) (\(name)) is out of order: versions must be positive and strictly increasing"
        case .failed(let version, let name, let underlying):
            "migration \(version) (\(name)) failed: \(underlying)"
        }
    }
}

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
