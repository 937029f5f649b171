import Testing

@testable import PostgreSQL

@Suite struct ConfigurationTests {
    @Test func parsesEveryPart() throws {
        let configuration = try PostgresConfiguration(
            url: "postgresql://us%40er:p%3Ass@db.example:6543/jobs?connect_timeout=3&sslmode=require&application_name=coord")
        #expect(configuration.user == "us@er")
        #expect(configuration.password == "p:ss")
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "jobs")
        #expect(configuration.connectTimeoutSeconds == 3)
        #expect(configuration.sslMode == "require")
        #expect(configuration.applicationName == "coord")
    }

    @Test func defaultsAndOtherForms() throws {
        let plain = try PostgresConfiguration(url: "postgres://aitbc@localhost")
        #expect(plain.port == 5432)
        #expect(plain.database == "aitbc")
        #expect(plain.password == nil)
        #expect(plain.connectTimeoutSeconds == PostgresConfiguration.defaultConnectTimeoutSeconds)
        let ipv6 = try PostgresConfiguration(url: "postgresql://u:p@[::1]:5433/d")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 5433)
        let socket = try PostgresConfiguration(url: "postgresql://u@/d?host=/run/postgresql")
        #expect(socket.host == "/run/postgresql")
        // An unencoded '@' in the password: the last '@' ends the user info.
        let at = try PostgresConfiguration(url: "postgresql://u:a@b@h/d")
        #expect(at.password == "a@b")
        #expect(at.host == "h")
    }

    @Test(arguments: [
        "mysql://u:p@h/d", "postgresql://:secretpw@h/d", "postgresql://u:secretpw@h:99999/d", "postgresql://u:secretpw@h:x/d",
        "postgresql://u:secretpw@h/d?sslmode=maybe", "postgresql://u:secretpw@h/d?connect_timeout=0", "postgresql://u:secretpw@h/d?bogus=1",
        "postgresql://u:secretpw@h/d%zz", "postgresql://u:secretpw@[::1/d",
    ])
    func rejectsBadURLsWithoutEchoingThePassword(_ url: String) {
        do {
            _ = try PostgresConfiguration(url: url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.kind == .invalidConfiguration)
            #expect(!"\(error)".contains("secretpw"))
        }
    }

    @Test func descriptionRedactsThePassword() throws {
        let configuration = try PostgresConfiguration(url: "postgresql://aitbc:hunter2secret@127.0.0.1:5432/aitbc")
        #expect("\(configuration)" == "postgresql://aitbc:***@127.0.0.1:5432/aitbc")
        #expect(configuration.libpqParameters.contains { $0 == ("password", "hunter2secret") })
    }

    @Test func sqlStateMatchesItsClass() {
        let code = SQLState.uniqueViolation
        switch code {
        case .integrityConstraintViolation: break
        default: Issue.record("23505 should match class 23000")
        }
        #expect(!(SQLState.serializationFailure ~= SQLState.deadlockDetected))
        #expect(SQLState.transactionRollback ~= SQLState.deadlockDetected)
        #expect(SQLState.serializationFailure.isRetryable && SQLState.deadlockDetected.isRetryable)
        #expect(!SQLState.uniqueViolation.isRetryable)
    }

    @Test func errorDescriptionHidesDetail() {
        let error = PostgresError(
            kind: .server, sqlState: .uniqueViolation, message: "duplicate key value violates unique constraint \"t_x_key\"",
            detail: "Key (x)=(secret-value) already exists.", constraint: "t_x_key", sql: "INSERT INTO t (x) VALUES ($1)")
        #expect("\(error)" == "PostgreSQL error 23505: duplicate key value violates unique constraint \"t_x_key\" - while executing `INSERT INTO t (x) VALUES ($1)`")
    }
}
