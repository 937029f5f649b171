import Synchronization
import Testing

@testable import PostgreSQL

@Suite struct TransactionTests {
    struct Boom: Error, Equatable {}

    func makeTable(_ connection: PostgresConnection) async throws -> String {
        let table = TestPostgres.uniqueName("tx")
        try await connection.execute("CREATE TABLE \(table) (id integer PRIMARY KEY, v integer NOT NULL)")
        return table
    }

    func count(_ connection: PostgresConnection, _ table: String) async throws -> Int {
        try await connection.query("SELECT count(*) FROM \(table)").first?.get(0, as: Int.self) ?? -1
    }

    @Test func commitsOnReturn() async throws {
        let connection = try await TestPostgres.connect()
        let table = try await makeTable(connection)
        let value = try await connection.transaction { tx in
            try await tx.execute("INSERT INTO \(table) VALUES (1, 1)")
            return 42
        }
        #expect(value == 42)
        #expect(connection.isReusable)
        #expect(try await count(connection, table) == 1)
        await connection.close()
    }

    @Test func rollsBackOnThrowAndRethrowsTheFirstError() async throws {
        let connection = try await TestPostgres.connect()
        let table = try await makeTable(connection)
        await #expect(throws: Boom()) {
            try await connection.transaction { tx in
                try await tx.execute("INSERT INTO \(table) VALUES (1, 1)")
                throw Boom()
            }
        }
        #expect(connection.isReusable)
        #expect(try await count(connection, table) == 0)
        await connection.close()
    }

    @Test func aCaughtStatementErrorMakesCommitThrow() async throws {
        let connection = try await TestPostgres.connect()
        let table = try await makeTable(connection)
        await #expect { 
            try await connection.transaction { tx in
                try await tx.execute("INSERT INTO \(table) VALUES (1, 1)")
                _ = try? await tx.execute("INSERT INTO \(table) VALUES (1, 1)")  // 23505, swallowed
            }
        } throws: { ($0 as? PostgresError)?.sqlState == .inFailedSQLTransaction }
        #expect(try await count(connection, table) == 0)
        await connection.close()
    }

    @Test func nestedTransactionsAreSavepoints() async throws {
        let connection = try await TestPostgres.connect()
        let table = try await makeTable(connection)
        try await connection.transaction { tx in
            try await tx.execute("INSERT INTO \(table) VALUES (1, 1)")
            await #expect(throws: Boom()) {
                try await tx.transaction { inner in
                    try await inner.execute("INSERT INTO \(table) VALUES (2, 2)")
                    throw Boom()
                }
            }
            _ = try await tx.transaction { inner in try await inner.execute("INSERT INTO \(table) VALUES (3, 3)") }
        }
        #expect(try await connection.query("SELECT id FROM \(table) ORDER BY id").rows.map { try $0.get("id", as: Int.self) } == [1, 3])
        await connection.close()
    }

    /// REPEATABLE READ: a row changed and committed by another connection after this
    /// transaction's snapshot cannot be updated (40001); the retry runs on a fresh snapshot.
    @Test func serializationFailureIsRetried() async throws {
        let connection = try await TestPostgres.connect()
        let other = try await TestPostgres.connect()
        let table = try await makeTable(connection)
        try await connection.execute("INSERT INTO \(table) VALUES (1, 0)")
        let attempts = Locked(0)
        let final = try await connection.retryingTransaction(isolation: .repeatableRead, maxAttempts: 3) { tx in
            let attempt = attempts.withLock { count in
                count += 1
                return count
            }
            let v = try await tx.query("SELECT v FROM \(table) WHERE id = 1").first?.get("v", as: Int.self) ?? -1
            if attempt == 1 { try await other.execute("UPDATE \(table) SET v = v + 100 WHERE id = 1") }
            try await tx.execute("UPDATE \(table) SET v = $1 WHERE id = 1", [v + 1])
            return v + 1
        }
        #expect(attempts.withLock { $0 } == 2)
        #expect(final == 101)
        #expect(try await connection.query("SELECT v FROM \(table) WHERE id = 1").first?.get("v", as: Int.self) == 101)
        await other.close()
        await connection.close()
    }

    @Test func retriesStopAtMaxAttempts() async throws {
        let attempts = Locked(0)
        await #expect { 
            try await retryingSerializationFailures(maxAttempts: 3) {
                attempts.withLock { $0 += 1 }
                throw PostgresError(kind: .server, sqlState: .serializationFailure, message: "conflict")
            }
        } throws: { ($0 as? PostgresError)?.sqlState == .serializationFailure }
        #expect(attempts.withLock { $0 } == 3)
        await #expect(throws: Boom()) { try await retryingSerializationFailures { attempts.withLock { $0 += 1 }; throw Boom() } }
        #expect(attempts.withLock { $0 } == 4)
    }
}
