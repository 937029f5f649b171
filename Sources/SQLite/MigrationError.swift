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
