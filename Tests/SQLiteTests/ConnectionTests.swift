import Foundation
import Testing
import TestSupport

@testable import SQLite

@Suite struct ConnectionTests {
    @Test func openAppliesPragmas() throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let connection = try Connection(path: dir.path("db.sqlite"))
        #expect(try connection.queryOne("PRAGMA journal_mode")?.get(0) == "wal")
        #expect(try connection.queryOne("PRAGMA foreign_keys")?.get(0) == 1)
        #expect(try connection.queryOne("PRAGMA synchronous")?.get(0) == 1)
        #expect(try connection.queryOne("PRAGMA busy_timeout")?.get(0) == 5000)
    }

    @Test func configuredPragmas() throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        var configuration = Database.Configuration()
        configuration.synchronous = .full
        configuration.busyTimeout = .milliseconds(250)
        configuration.foreignKeys = false
        let connection = try Connection(path: dir.path("db.sqlite"), configuration: configuration)
        #expect(try connection.queryOne("PRAGMA synchronous")?.get(0) == 2)
        #expect(try connection.queryOne("PRAGMA busy_timeout")?.get(0) == 250)
        #expect(try connection.queryOne("PRAGMA foreign_keys")?.get(0) == 0)
    }

    @Test func readOnlyConnectionRefusesWrites() throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let writer = try Connection(path: dir.path("db.sqlite"))
        try writer.execute("CREATE TABLE t(x)")
        let reader = try Connection(path: dir.path("db.sqlite"), readOnly: true)
        let error = try #require(throws: SQLiteError.self) { try reader.execute("INSERT INTO t VALUES (1)") }
        #expect(error.resultCode == .SQLITE_READONLY)
    }

    @Test func executeReportsChangesAndRowID() throws {
        let connection = try Connection(path: ":memory:")
        try connection.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)")
        try connection.execute("INSERT INTO t(name) VALUES (?)", ["a"])
        #expect(connection.lastInsertRowID == 1)
        try connection.execute("INSERT INTO t(name) VALUES (?), (?)", ["b", "c"])
        #expect(connection.lastInsertRowID == 3)
        #expect(connection.changes == 2)
        try connection.execute("UPDATE t SET name = 'x'")
        #expect(connection.changes == 3)
        #expect(connection.totalChanges == 6)
        let rows = try connection.query("SELECT id, name FROM t ORDER BY id")
        #expect(rows.count == 3)
        #expect(rows.map { $0.columnNames } == Array(repeating: ["id", "name"], count: 3))
        #expect(try connection.queryOne("SELECT name FROM t WHERE id = ?", [99]) == nil)
    }

    @Test func executeScriptRunsEveryStatement() throws {
        let connection = try Connection(path: ":memory:")
        try connection.executeScript("CREATE TABLE a(x); CREATE TABLE b(y); INSERT INTO b VALUES (1);")
        #expect(try connection.queryOne("SELECT count(*) FROM b")?.get(0) == 1)
    }

    @Test func severalStatementsInExecuteAreRefused() throws {
        let connection = try Connection(path: ":memory:")
        let error = try #require(throws: SQLiteError.self) {
            try connection.execute("CREATE TABLE a(x); CREATE TABLE b(y)")
        }
        #expect(error.extendedResultCode == .SQLITE_MISUSE)
        #expect(try connection.query("SELECT name FROM sqlite_master").isEmpty)
        // A trailing comment or semicolon is not a second statement.
        try connection.execute("CREATE TABLE c(z); -- trailing comment")
    }

    @Test func wrongArgumentCountIsMisuse() throws {
        let connection = try Connection(path: ":memory:")
        try connection.execute("CREATE TABLE t(a, b)")
        let error = try #require(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO t VALUES (?, ?)", [1])
        }
        #expect(error.extendedResultCode == .SQLITE_MISUSE)
    }

    @Test func syntaxErrorCarriesSQL() throws {
        let connection = try Connection(path: ":memory:")
        let error = try #require(throws: SQLiteError.self) { try connection.execute("SELEC 1") }
        #expect(error.resultCode == .SQLITE_ERROR)
        #expect(error.sql == "SELEC 1")
        #expect(error.message.contains("syntax error"))
    }

    @Test func statementCacheReusesPreparedStatements() throws {
        let connection = try Connection(path: ":memory:")
        try connection.execute("CREATE TABLE t(x)")
        let first = try connection.cachedStatement("INSERT INTO t VALUES (?)")
        for i in 0..<10 { try connection.execute("INSERT INTO t VALUES (?)", [i]) }
        let again = try connection.cachedStatement("INSERT INTO t VALUES (?)")
        #expect(first === again)
        #expect(connection.statementCache.hits >= 11)
        #expect(try connection.queryOne("SELECT count(*) FROM t")?.get(0) == 10)
    }

    @Test func statementCacheIsBounded() throws {
        var configuration = Database.Configuration()
        configuration.statementCacheCapacity = 4
        let connection = try Connection(path: ":memory:", configuration: configuration)
        for i in 0..<20 { _ = try connection.query("SELECT \(i)") }
        #expect(connection.cachedStatementCount == 4)
    }

    @Test func forEachRowCanRerunItsOwnQuery() throws {
        let connection = try Connection(path: ":memory:")
        try connection.executeScript("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);")
        var seen: [Int] = []
        try connection.forEachRow("SELECT x FROM t ORDER BY x") { row in
            seen.append(try row.get(0))
            // Re-entering the same SQL while it steps must not rebind the stepping statement.
            #expect(try connection.query("SELECT x FROM t ORDER BY x").count == 3)
        }
        #expect(seen == [1, 2, 3])
    }

    @Test func openFailureIsTyped() throws {
        let error = try #require(throws: SQLiteError.self) {
            try Connection(path: "/nonexistent-dir-\(UUID().uuidString)/db.sqlite")
        }
        #expect(error.resultCode == .SQLITE_CANTOPEN)
    }

    @Test func cachedSelectStarFollowsSchemaChanges() throws {
        let connection = try Connection(path: ":memory:")
        try connection.executeScript("CREATE TABLE t(a); INSERT INTO t VALUES (1);")
        #expect(try connection.queryOne("SELECT * FROM t")?.columnNames == ["a"])
        try connection.execute("ALTER TABLE t ADD COLUMN b DEFAULT 2")
        let row = try #require(try connection.queryOne("SELECT * FROM t"))
        #expect(row.columnNames == ["a", "b"])
        #expect(try row.get("b", as: Int.self) == 2)
    }

    /// The cached column names are checked by content, not only by count.
    @Test func cachedSelectStarFollowsRenamedColumns() throws {
        let connection = try Connection(path: ":memory:")
        try connection.executeScript("CREATE TABLE t(a); INSERT INTO t VALUES (1);")
        #expect(try connection.queryOne("SELECT * FROM t")?.columnNames == ["a"])
        try connection.execute("ALTER TABLE t RENAME COLUMN a TO c")
        let row = try #require(try connection.queryOne("SELECT * FROM t"))
        #expect(row.columnNames == ["c"])
        #expect(try row.get("c", as: Int.self) == 1)
        #expect(try connection.query("SELECT * FROM t").map(\.columnNames) == [["c"]])
    }
}
