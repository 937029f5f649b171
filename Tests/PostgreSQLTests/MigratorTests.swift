import Testing

@testable import PostgreSQL

@Suite struct MigratorTests {
    func migrations(_ prefix: String) -> [PostgresMigration] {
        [
            PostgresMigration(name: "001-create", sql: "CREATE TABLE \(prefix)_items (id integer PRIMARY KEY, name text NOT NULL);"),
            PostgresMigration(
                name: "002-seed",
                sql: """
                    INSERT INTO \(prefix)_items VALUES (1, 'first');
                    CREATE TABLE \(prefix)_runs (n integer);
                    INSERT INTO \(prefix)_runs VALUES (1);
                    """),
        ]
    }

    @Test func appliesOnceAndIsIdempotent() async throws {
        let connection = try await TestPostgres.connect()
        let prefix = TestPostgres.uniqueName("mig")
        let migrator = PostgresMigrator(migrations(prefix), table: "\(prefix)_schema")
        #expect(try await migrator.applied(connection) == [])
        #expect(try await migrator.migrate(connection) == ["001-create", "002-seed"])
        #expect(try await migrator.migrate(connection) == [])
        #expect(try await migrator.applied(connection) == ["001-create", "002-seed"])
        #expect(try await connection.query("SELECT count(*) FROM \(prefix)_runs").first?.get(0, as: Int.self) == 1)
        // Appending a migration applies only the new one.
        let longer = PostgresMigrator(
            migrations(prefix) + [PostgresMigration(name: "003-more", sql: "INSERT INTO \(prefix)_runs VALUES (3)")], table: "\(prefix)_schema")
        #expect(try await longer.migrate(connection) == ["003-more"])
        await connection.close()
    }

    @Test func concurrentRunsApplyEachMigrationOnce() async throws {
        let prefix = TestPostgres.uniqueName("migc")
        let migrator = PostgresMigrator(migrations(prefix), table: "\(prefix)_schema")
        let connections = [try await TestPostgres.connect(), try await TestPostgres.connect(), try await TestPostgres.connect()]
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for connection in connections { group.addTask { try await migrator.migrate(connection) } }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        #expect(applied.flatMap { $0 }.sorted() == ["001-create", "002-seed"])
        #expect(try await connections[0].query("SELECT count(*) FROM \(prefix)_runs").first?.get(0, as: Int.self) == 1)
        for connection in connections { await connection.close() }
    }

    @Test func aFailingMigrationRollsBackTheRun() async throws {
        let connection = try await TestPostgres.connect()
        let prefix = TestPostgres.uniqueName("migf")
        let broken = PostgresMigrator(
            migrations(prefix) + [PostgresMigration(name: "003-broken", sql: "INSERT INTO \(prefix)_nowhere VALUES (1)")], table: "\(prefix)_schema")
        await #expect { try await broken.migrate(connection) } throws: { error in
            guard case .failed(let name, let underlying) = error as? PostgresMigrationError else { return false }
            return name == "003-broken" && underlying.sqlState == .undefinedTable
        }
        #expect(try await broken.applied(connection) == [])
        #expect(try await connection.query("SELECT to_regclass($1) IS NULL AS gone", ["\(prefix)_items"]).first?.get("gone", as: Bool.self) == true)
        await connection.close()
    }

    @Test func historyMustBeAPrefix() async throws {
        let connection = try await TestPostgres.connect()
        let prefix = TestPostgres.uniqueName("migh")
        try await PostgresMigrator(migrations(prefix), table: "\(prefix)_schema").migrate(connection)
        let renamed = PostgresMigrator(
            [PostgresMigration(name: "001-renamed", sql: "SELECT 1")] + migrations(prefix).dropFirst(), table: "\(prefix)_schema")
        await #expect { try await renamed.migrate(connection) } throws: { error in
            if case .historyMismatch(1, "001-create", "001-renamed") = error as? PostgresMigrationError { return true }
            return false
        }
        let older = PostgresMigrator(Array(migrations(prefix).prefix(1)), table: "\(prefix)_schema")
        await #expect { try await older.migrate(connection) } throws: { error in
            if case .databaseNewerThanCode(2, 1) = error as? PostgresMigrationError { return true }
            return false
        }
        await #expect { try await PostgresMigrator([], table: "Bad-Name").migrate(connection) } throws: { error in
            if case .invalidTableName = error as? PostgresMigrationError { return true }
            return false
        }
        await connection.close()
    }
}
