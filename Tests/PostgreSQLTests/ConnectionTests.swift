import Testing
import TestSupport

@testable import PostgreSQL

@Suite struct ConnectionTests {
    @Test func connectsAndQueries() async throws {
        let connection = try await TestPostgres.connect()
        let row = try #require(try await connection.query("SELECT current_user AS who, 40 + 2 AS answer").first)
        #expect(try row.get("who", as: String.self) == "aitbc")
        #expect(try row.get("answer", as: Int.self) == 42)
        #expect(connection.backendPID > 0)
        await connection.close()
        await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
    }

    @Test func refusedConnectionIsATypedError() async throws {
        let refusing = try RefusingPort()
        let configuration = PostgresConfiguration(
            host: "127.0.0.1", port: refusing.port, user: "aitbc", password: "never-shown-pw", database: "aitbc", connectTimeoutSeconds: 2)
        do {
            _ = try await PostgresConnection.connect(configuration)
            Issue.record("connected to a refusing port")
        } catch {
            #expect(error.kind == .connectionFailed)
            #expect("\(error)".contains("refused"))
            #expect(!"\(error)".contains("never-shown-pw"))
        }
    }

    @Test func wrongPasswordIsATypedErrorWithoutThePassword() async throws {
        var configuration = try await TestPostgres.configuration()
        configuration.password = "wrong-password-7f3a"
        do {
            _ = try await PostgresConnection.connect(configuration)
            Issue.record("connected with a wrong password")
        } catch {
            #expect(error.kind == .connectionFailed)
            #expect("\(error)".contains("password authentication failed"))
            #expect(!"\(error)".contains("wrong-password-7f3a"))
            #expect("\(error)".contains("***"))
        }
    }

    @Test func uniqueViolationCarriesSQLState() async throws {
        let connection = try await TestPostgres.connect()
        let table = TestPostgres.uniqueName("uniq")
        try await connection.execute("CREATE TABLE \(table) (x text PRIMARY KEY)")
        try await connection.execute("INSERT INTO \(table) (x) VALUES ($1)", ["secret-key-value"])
        do {
            try await connection.execute("INSERT INTO \(table) (x) VALUES ($1)", ["secret-key-value"])
            Issue.record("duplicate accepted")
        } catch {
            #expect(error.kind == .server)
            #expect(error.sqlState == .uniqueViolation)
            #expect(error.constraint == "\(table)_pkey")
            #expect(error.sql == "INSERT INTO \(table) (x) VALUES ($1)")
            #expect(error.detail?.contains("secret-key-value") == true)
            #expect(!"\(error)".contains("secret-key-value"))
        }
        // The connection stays usable after a statement error outside a transaction.
        #expect(try await connection.query("SELECT count(*) FROM \(table)").first?.get(0, as: Int.self) == 1)
        try await connection.execute("DROP TABLE \(table)")
        await connection.close()
    }

    @Test func syntaxErrorsAndSeveralStatementsAreRefused() async throws {
        let connection = try await TestPostgres.connect()
        await #expect { try await connection.query("SELEC 1") } throws: { ($0 as? PostgresError)?.sqlState == .syntaxError }
        // PQexecParams runs exactly one statement: a smuggled second one never executes.
        await #expect { try await connection.query("SELECT 1; SELECT 2") } throws: { ($0 as? PostgresError)?.sqlState == .syntaxError }
        await connection.close()
    }
}
