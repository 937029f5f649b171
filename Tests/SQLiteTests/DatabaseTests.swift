import Dispatch
import Synchronization
import Testing
import TestSupport

@testable import SQLite

@Suite struct DatabaseTests {
    struct Boom: Error, Equatable { let id: Int }

    static let schema = Migrator([
        Migration(version: 1, name: "items", sql: "CREATE TABLE items(id INTEGER PRIMARY KEY, tag TEXT NOT NULL UNIQUE);")
    ])

    func makeDatabase(_ dir: TemporaryDirectory, configure: (inout Database.Configuration) -> Void = { _ in }) throws -> Database {
        var configuration = Database.Configuration()
        configure(&configuration)
        return try Database(path: dir.path("db.sqlite"), configuration: configuration, migrator: Self.schema)
    }

    func count(_ database: Database) async throws -> Int {
        try await database.read { db in try db.queryOne("SELECT count(*) FROM items")?.get(0) ?? -1 }
    }

    @Test func writeThenRead() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir)
        let id = try await database.write { db in
            try db.execute("INSERT INTO items(tag) VALUES (?)", ["a"])
            return db.lastInsertRowID
        }
        #expect(id == 1)
        let tag = try await database.read { db in try db.queryOne("SELECT tag FROM items WHERE id = ?", [id])?.get(0, as: String.self) }
        #expect(tag == "a")
    }

    @Test func readersAreReadOnlyAndWriterIsWAL() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir)
        let error = await #expect(throws: SQLiteError.self) {
            try await database.read { db in try db.execute("INSERT INTO items(tag) VALUES ('x')") }
        }
        #expect(error?.resultCode == .SQLITE_READONLY)
        let mode = try await database.writeWithoutTransaction { db in try db.queryOne("PRAGMA journal_mode")?.get(0, as: String.self) }
        #expect(mode == "wal")
    }

    @Test func writeRollsBackOnThrow() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir)
        await #expect(throws: Boom(id: 1)) {
            try await database.write { db in
                try db.execute("INSERT INTO items(tag) VALUES ('gone')")
                throw Boom(id: 1)
            }
        }
        #expect(try await count(database) == 0)
    }

    @Test func readSeesOneSnapshotWhileWriterCommits() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir)
        try await database.write { db in try db.execute("INSERT INTO items(tag) VALUES ('first')") }
        let inRead = AsyncSignal()
        let committed = DispatchSemaphore(value: 0)
        async let counts = database.read { db -> [Int] in
            let before: Int = try db.queryOne("SELECT count(*) FROM items")?.get(0) ?? -1
            inRead.signal()
            committed.wait()
            let after: Int = try db.queryOne("SELECT count(*) FROM items")?.get(0) ?? -1
            return [before, after]
        }
        await inRead.wait()
        try await database.write { db in try db.execute("INSERT INTO items(tag) VALUES ('second')") }
        committed.signal()
        #expect(try await counts == [1, 1])
        #expect(try await count(database) == 2)
    }

    @Test func concurrentWritersAllCommit() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    if i.isMultiple(of: 2) {
                        try await database.write { db in try db.execute("INSERT INTO items(tag) VALUES (?)", ["w\(i)"]) }
                    } else {
                        try await database.writeBatched { db in try db.execute("INSERT INTO items(tag) VALUES (?)", ["b\(i)"]) }
                    }
                    _ = try await count(database)
                }
            }
            try await group.waitForAll()
        }
        #expect(try await count(database) == 200)
    }

    @Test func batchedWritesReturnTheirOwnValues() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir) { $0.maxBatchSize = 7 }
        let ids = try await withThrowingTaskGroup(of: (Int, Int64).self) { group in
            for i in 0..<200 {
                group.addTask {
                    let id = try await database.writeBatched { db in
                        try db.execute("INSERT INTO items(tag) VALUES (?)", ["t\(i)"])
                        return db.lastInsertRowID
                    }
                    return (i, id)
                }
            }
            var result: [Int: Int64] = [:]
            for try await (i, id) in group { result[i] = id }
            return result
        }
        #expect(ids.count == 200)
        #expect(Set(ids.values).count == 200)
        let stored = try await database.read { db in
            try db.query("SELECT id, tag FROM items").map { row in (try row.get("tag", as: String.self), try row.get("id", as: Int64.self)) }
        }
        for (tag, id) in stored { #expect(ids[Int(tag.dropFirst()) ?? -1] == id) }
    }

    @Test func failingBatchedBodyRollsBackOnlyItself() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir)
        // Hold the writer so the next callers pile up into one batch.
        let holding = AsyncSignal()
        let release = DispatchSemaphore(value: 0)
        async let holder: Void = database.write { _ in
            holding.signal()
            release.wait()
        }
        await holding.wait()
        let results = try await withThrowingTaskGroup(of: (Int, (any Error)?).self) { group in
            for i in 0..<50 {
                group.addTask {
                    do {
                        try await database.writeBatched { db in
                            try db.execute("INSERT INTO items(tag) VALUES (?)", ["t\(i)"])
                            if i % 10 == 3 { throw Boom(id: i) }
                            // A constraint error fails only this body's statement and savepoint.
                            if i % 10 == 7 { try db.execute("INSERT INTO items(tag) VALUES (?)", ["t\(i)"]) }
                        }
                        return (i, nil)
                    } catch {
                        return (i, error)
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            release.signal()
            var results: [Int: (any Error)?] = [:]
            for try await (i, error) in group { results[i] = error }
            return results
        }
        try await holder
        #expect(results.count == 50)
        #expect(database.batcher.batchCount < 50, "callers waiting on the writer share transactions")
        for (i, error) in results {
            switch i % 10 {
            case 3: #expect((error as? Boom) == Boom(id: i))
            case 7: #expect((error as? SQLiteError)?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)
            default: #expect(error == nil)
            }
        }
        let tags = try await database.read { db in try db.query("SELECT tag FROM items").map { try $0.get(0, as: String.self) } }
        let expected = (0..<50).filter { $0 % 10 != 3 && $0 % 10 != 7 }.map { "t\($0)" }
        #expect(Set(tags) == Set(expected))
        #expect(tags.count == expected.count)
    }

    /// A batch runs without savepoints first; only when one of its bodies throws is it rolled
    /// back and run again with a savepoint per body. Runs are counted per body.
    @Test(arguments: [false, true])
    func batchedBodiesRunOnceUnlessOneFails(withFailure: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir)
        let runs = RunCounts(count: 20)
        let holding = AsyncSignal()
        let release = DispatchSemaphore(value: 0)
        async let holder: Void = database.write { _ in
            holding.signal()
            release.wait()
        }
        await holding.wait()
        let failures = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<20 {
                group.addTask {
                    do {
                        try await database.writeBatched { db in
                            runs.counts.withLock { $0[i] += 1 }
                            try db.execute("INSERT INTO items(tag) VALUES (?)", ["t\(i)"])
                            if withFailure && i == 11 { throw Boom(id: i) }
                        }
                        return (i, false)
                    } catch {
                        return (i, true)
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            release.signal()
            var failures: Set<Int> = []
            for try await (i, failed) in group where failed { failures.insert(i) }
            return failures
        }
        try await holder
        #expect(failures == (withFailure ? [11] : []))
        let counts = runs.counts.withLock { $0 }
        if withFailure {
            #expect(counts.allSatisfy { $0 == 1 || $0 == 2 })
            #expect(counts[11] == 2, "the failing body runs again in its own savepoint")
        } else {
            #expect(counts.allSatisfy { $0 == 1 })
        }
        let tags = try await database.read { db in try db.query("SELECT tag FROM items").map { try $0.get(0, as: String.self) } }
        #expect(tags.count == 20 - failures.count)
        #expect(Set(tags) == Set((0..<20).filter { !failures.contains($0) }.map { "t\($0)" }))
    }

    @Test func batchedBodyThatEndsTheTransactionFailsOnlyUncommittedCallers() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir)
        let holding = AsyncSignal()
        let release = DispatchSemaphore(value: 0)
        async let holder: Void = database.write { _ in
            holding.signal()
            release.wait()
        }
        await holding.wait()
        // One body rolls the whole shared transaction back, as SQLITE_FULL or an I/O error
        // would. Whatever order the batch runs in, a caller told "success" must find its row
        // committed, and a caller given an error must not.
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<20 {
                group.addTask {
                    do {
                        try await database.writeBatched { db in
                            try db.execute("INSERT INTO items(tag) VALUES (?)", ["t\(i)"])
                            if i == 13 { try db.execute("ROLLBACK") }
                        }
                        return (i, true)
                    } catch {
                        return (i, false)
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            release.signal()
            var outcomes: [Int: Bool] = [:]
            for try await (i, ok) in group { outcomes[i] = ok }
            return outcomes
        }
        try await holder
        let stored = try await database.read { db in
            Set(try db.query("SELECT tag FROM items").map { try $0.get(0, as: String.self) })
        }
        #expect(outcomes.count == 20)
        #expect(outcomes[13] == false)
        for (i, ok) in outcomes { #expect(stored.contains("t\(i)") == ok, "caller \(i)") }
    }

    @Test func inMemoryDatabaseUsesOneConnection() async throws {
        let database = try Database(path: ":memory:", migrator: Self.schema)
        try await database.write { db in try db.execute("INSERT INTO items(tag) VALUES ('m')") }
        try await database.writeBatched { db in try db.execute("INSERT INTO items(tag) VALUES ('n')") }
        #expect(try await count(database) == 2)
    }

    @Test func openRefusesNewerSchema() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        _ = try Database(path: dir.path("db.sqlite"), migrator: Migrator(Self.schema.migrations + [Migration(version: 2, name: "x", sql: "")]))
        await #expect(throws: MigrationError.self) {
            _ = try await Database.open(path: dir.path("db.sqlite"), migrator: Self.schema)
        }
    }

    @Test func readersRunConcurrentlyAndExtraReadersWait() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir) { $0.readerCount = 4 }
        let arrived = Counter()
        let release = DispatchSemaphore(value: 0)
        // Each of the first four reads holds its connection until all four are inside: this
        // only completes if four reader connections serve them at once. The timeout turns a
        // broken pool into a failure instead of a hang.
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await database.read { db in
                        _ = try db.queryOne("SELECT count(*) FROM items")
                        let count = arrived.increment()
                        if count == 4 { for _ in 0..<4 { release.signal() } }
                        return release.wait(timeout: .now() + 30) == .success
                    }
                }
            }
            // More readers than connections: these wait for a free one, then run.
            for _ in 0..<8 {
                group.addTask { try await count(database) == 0 }
            }
            var results: [Bool] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results == Array(repeating: true, count: 12))
    }
}

/// A shared counter the read bodies bump from their reader queues.
private final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() -> Int {
        value.withLock { n in
            n += 1
            return n
        }
    }
}

/// How often each batched body ran (shared with the bodies on the writer queue).
private final class RunCounts: Sendable {
    let counts: Mutex<[Int]>
    init(count: Int) { counts = Mutex([Int](repeating: 0, count: count)) }
}
