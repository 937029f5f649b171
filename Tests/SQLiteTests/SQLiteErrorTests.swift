import Testing

@testable import SQLite

@Suite struct SQLiteErrorTests {
    struct Violation: Sendable, CustomStringConvertible {
        let name: String
        let sql: String
        let code: ResultCode
        var description: String { name }
    }

    static let violations: [Violation] = [
        Violation(name: "unique", sql: "INSERT INTO child(id, parent, email, qty) VALUES (2, 1, 'a@x', 1)", code: .SQLITE_CONSTRAINT_UNIQUE),
        Violation(name: "primary key", sql: "INSERT INTO child(id, parent, email, qty) VALUES (1, 1, 'b@x', 1)", code: .SQLITE_CONSTRAINT_PRIMARYKEY),
        Violation(name: "not null", sql: "INSERT INTO child(id, parent, email, qty) VALUES (3, 1, NULL, 1)", code: .SQLITE_CONSTRAINT_NOTNULL),
        Violation(name: "foreign key", sql: "INSERT INTO child(id, parent, email, qty) VALUES (4, 42, 'c@x', 1)", code: .SQLITE_CONSTRAINT_FOREIGNKEY),
        Violation(name: "check", sql: "INSERT INTO child(id, parent, email, qty) VALUES (5, 1, 'd@x', -1)", code: .SQLITE_CONSTRAINT_CHECK),
    ]

    @Test(arguments: violations) func constraintViolationsAreTyped(_ violation: Violation) throws {
        let connection = try Connection(path: ":memory:")
        try connection.executeScript(
            """
            CREATE TABLE parent(id INTEGER PRIMARY KEY);
            CREATE TABLE child(
                id INTEGER PRIMARY KEY NOT NULL,
                parent INTEGER NOT NULL REFERENCES parent(id),
                email TEXT NOT NULL UNIQUE,
                qty INTEGER NOT NULL CHECK (qty >= 0));
            INSERT INTO parent VALUES (1);
            INSERT INTO child VALUES (1, 1, 'a@x', 1);
            """)
        let error = try #require(throws: SQLiteError.self) { try connection.execute(violation.sql) }
        #expect(error.extendedResultCode == violation.code)
        #expect(error.resultCode == .SQLITE_CONSTRAINT)
        #expect(error.sql == violation.sql)
        // A primary pattern matches the extended code; another extended pattern does not.
        #expect(ResultCode.SQLITE_CONSTRAINT ~= error.extendedResultCode)
        #expect(!(ResultCode.SQLITE_BUSY ~= error.extendedResultCode))
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT: break
        default: Issue.record("primary pattern must match \(error.extendedResultCode)")
        }
        #expect(try connection.queryOne("SELECT count(*) FROM child")?.get(0) == 1)
    }

    @Test func boundValuesNeverReachDescription() throws {
        let connection = try Connection(path: ":memory:")
        try connection.execute("CREATE TABLE t(secret TEXT UNIQUE)")
        try connection.execute("INSERT INTO t VALUES (?)", ["hunter2"])
        let error = try #require(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO t VALUES (?)", ["hunter2"])
        }
        #expect(!error.description.contains("hunter2"))
        #expect(error.description.contains("INSERT INTO t VALUES (?)"))
        #expect(error.description.contains("2067"))
    }

    @Test func extendedPatternMatchesOnlyItself() {
        #expect(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= .SQLITE_CONSTRAINT_UNIQUE)
        #expect(!(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= .SQLITE_CONSTRAINT_CHECK))
        #expect(!(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= .SQLITE_CONSTRAINT))
        #expect(ResultCode.SQLITE_BUSY_SNAPSHOT.primaryResultCode == .SQLITE_BUSY)
    }
}
