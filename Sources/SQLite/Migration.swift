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
