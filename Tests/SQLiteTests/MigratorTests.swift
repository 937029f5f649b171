import Testing
import TestSupport

@testable import SQLite

@Suite struct MigratorTests {
    static let v1 = Migration(version: 1, name: "create accounts", sql: "CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
    static let v2 = Migration(version: 2, name: "add balance", sql: "ALTER TABLE accounts ADD COLUMN balance INTEGER NOT NULL DEFAULT 0;")
    static let v3 = Migration(version: 3, name: "seed") { db in
        try db.execute("INSERT INTO accounts(name, balance) VALUES (?, ?)", ["genesis", 100])
    }

    @Test func appliesInOrderAndIsIdempotentOnReopen() throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let path = dir.path("db.sqlite")
        let migrator = Migrator([Self.v1, Self.v2, Self.v3])
        do {
            let connection = try Connection(path: path)
            try migrator.migrate(connection)
            #expect(try Migrator.currentVersion(of: connection) == 3)
        }
        let connection = try Connection(path: path)
        try migrator.migrate(connection)
        #expect(try Migrator.currentVersion(of: connection) == 3)
        #expect(try connection.queryOne("SELECT count(*) FROM accounts")?.get(0) == 1)
        #expect(try connection.queryOne("SELECT balance FROM accounts")?.get(0) == 100)
    }

    @Test func appliesOnlyNewMigrations() throws {
        let connection = try Connection(path: ":memory:")
        try Migrator([Self.v1]).migrate(connection)
        try connection.execute("INSERT INTO accounts(name) VALUES ('kept')")
        try Migrator([Self.v1, Self.v2]).migrate(connection)
        #expect(try Migrator.currentVersion(of: connection) == 2)
        #expect(try connection.queryOne("SELECT name, balance FROM accounts")?.get("balance") == 0)
    }

    @Test func refusesDatabaseNewerThanCode() throws {
        let connection = try Connection(path: ":memory:")
        try Migrator([Self.v1, Self.v2]).migrate(connection)
        let error = try #require(throws: MigrationError.self) { try Migrator([Self.v1]).migrate(connection) }
        guard case .databaseNewerThanCode(let found, let known) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(found == 2 && known == 1)
    }

    @Test func failingMigrationRollsBackOnlyItself() throws {
        let connection = try Connection(path: ":memory:")
        let broken = Migration(version: 2, name: "broken", sql: "CREATE TABLE half(x); INSERT INTO nowhere VALUES (1);")
        let error = try #require(throws: MigrationError.self) { try Migrator([Self.v1, broken]).migrate(connection) }
        guard case .failed(let version, _, let underlying) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(version == 2)
        #expect((underlying as? SQLiteError)?.resultCode == .SQLITE_ERROR)
        #expect(try Migrator.currentVersion(of: connection) == 1)
        #expect(try connection.query("SELECT name FROM sqlite_master WHERE name = 'half'").isEmpty)
    }

    @Test func refusesOutOfOrderVersions() throws {
        let connection = try Connection(path: ":memory:")
        #expect(throws: MigrationError.self) { try Migrator([Self.v2, Self.v1]).migrate(connection) }
        #expect(throws: MigrationError.self) { try Migrator([Migration(version: 0, name: "zero", sql: "")]).migrate(connection) }
        #expect(try Migrator.currentVersion(of: connection) == 0)
    }
}
