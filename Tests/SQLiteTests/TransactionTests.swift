import Testing

@testable import SQLite

@Suite struct TransactionTests {
    struct Boom: Error, Equatable {}

    func makeConnection() throws -> Connection {
        let connection = try Connection(path: ":memory:")
        try connection.execute("CREATE TABLE t(x INTEGER UNIQUE)")
        return connection
    }

    func count(_ connection: Connection) throws -> Int {
        try connection.queryOne("SELECT count(*) FROM t")?.get(0) ?? -1
    }

    @Test(arguments: [TransactionKind.deferred, .immediate, .exclusive])
    func commitsOnReturn(_ kind: TransactionKind) throws {
        let connection = try makeConnection()
        let value = try connection.transaction(kind) { db in
            try db.execute("INSERT INTO t VALUES (1)")
            #expect(db.isInTransaction)
            return 42
        }
        #expect(value == 42)
        #expect(!connection.isInTransaction)
        #expect(try count(connection) == 1)
    }

    @Test func rollsBackOnThrowAndRethrowsFirstError() throws {
        let connection = try makeConnection()
        #expect(throws: Boom()) {
            try connection.transaction(.immediate) { db in
                try db.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(!connection.isInTransaction)
        #expect(try count(connection) == 0)
    }

    @Test func sqlErrorInBodyRollsBackEverything() throws {
        let connection = try makeConnection()
        let error = try #require(throws: SQLiteError.self) {
            try connection.transaction { db in
                try db.execute("INSERT INTO t VALUES (1)")
                try db.execute("INSERT INTO t VALUES (1)")
            }
        }
        #expect(error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)
        #expect(try count(connection) == 0)
    }

    @Test func nestedTransactionIsASavepoint() throws {
        let connection = try makeConnection()
        try connection.transaction { db in
            try db.execute("INSERT INTO t VALUES (1)")
            #expect(throws: Boom()) {
                try db.transaction { inner in
                    try inner.execute("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            try db.savepoint { inner in try inner.execute("INSERT INTO t VALUES (3)") }
        }
        #expect(try connection.query("SELECT x FROM t ORDER BY x").map { try $0.get(0, as: Int.self) } == [1, 3])
    }

    @Test func savepointOutsideTransactionCommits() throws {
        let connection = try makeConnection()
        try connection.savepoint { db in try db.execute("INSERT INTO t VALUES (1)") }
        #expect(!connection.isInTransaction)
        #expect(try count(connection) == 1)
    }
}
