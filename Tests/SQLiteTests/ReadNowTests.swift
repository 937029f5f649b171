import Dispatch
import Testing
import TestSupport

@testable import SQLite

/// `Database.readNow`: reads on the calling thread through a leased reader connection.
@Suite struct ReadNowTests {
    func makeDatabase(_ dir: TemporaryDirectory, readers: Int = 4) throws -> Database {
        var configuration = Database.Configuration()
        configuration.readerCount = readers
        return try Database(path: dir.path("db.sqlite"), configuration: configuration, migrator: DatabaseTests.schema)
    }

    @Test func seesCommittedWritesAndRefusesWrites() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir, readers: 1)
        try await database.write { db in try db.execute("INSERT INTO items(tag) VALUES ('a')") }
        let tag = try await database.readNow { db in try db.queryOne("SELECT tag FROM items WHERE id = 1")?.get(0, as: String.self) }
        #expect(tag == "a")
        let error = await #expect(throws: SQLiteError.self) {
            try await database.readNow { db in try db.execute("INSERT INTO items(tag) VALUES ('x')") }
        }
        #expect(error?.resultCode == .SQLITE_READONLY)
        // The failed read released the one reader and left no transaction open on it (an open
        // one would pin the old snapshot and hide the next insert).
        try await database.write { db in try db.execute("INSERT INTO items(tag) VALUES ('b')") }
        #expect(try await database.readNow { db in try db.queryOne("SELECT count(*) FROM items")?.get(0, as: Int.self) } == 2)
    }

    @Test func inMemoryDatabaseReadsThroughTheWriter() async throws {
        let database = try Database(path: ":memory:", migrator: DatabaseTests.schema)
        try await database.write { db in try db.execute("INSERT INTO items(tag) VALUES ('m')") }
        let count = try await database.readNow { db in try db.queryOne("SELECT count(*) FROM items")?.get(0, as: Int.self) }
        #expect(count == 1)
    }

    /// With the only reader held by a queued `read`, `readNow` waits for it instead of sharing
    /// the connection, then runs.
    @Test func waitsForALeasedReader() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir, readers: 1)
        let inRead = AsyncSignal()
        let release = DispatchSemaphore(value: 0)
        async let held: Bool = database.read { db in
            _ = try db.queryOne("SELECT count(*) FROM items")
            inRead.signal()
            return release.wait(timeout: .now() + 30) == .success
        }
        await inRead.wait()
        async let waiting: Int? = database.readNow { db in try db.queryOne("SELECT count(*) FROM items")?.get(0) }
        try await database.write { db in try db.execute("INSERT INTO items(tag) VALUES ('b')") }
        release.signal()
        #expect(try await held)
        // It ran after the queued read released the reader: the insert is visible.
        #expect(try await waiting == 1)
    }

    /// Many concurrent callers on two readers: each gets a consistent answer.
    @Test func concurrentCallersShareFewReaders() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let database = try makeDatabase(dir, readers: 2)
        try await database.write { db in
            for i in 0..<50 { try db.execute("INSERT INTO items(tag) VALUES (?)", ["t\(i)"]) }
        }
        let answers = try await withThrowingTaskGroup(of: String?.self) { group in
            for i in 0..<200 {
                group.addTask {
                    if i % 3 == 0 {
                        return try await database.read { db in try db.queryOne("SELECT tag FROM items WHERE id = ?", [i % 50 + 1])?.get(0) }
                    }
                    return try await database.readNow { db in try db.queryOne("SELECT tag FROM items WHERE id = ?", [i % 50 + 1])?.get(0) }
                }
            }
            var answers: [String?] = []
            for try await answer in group { answers.append(answer) }
            return answers
        }
        #expect(answers.count == 200)
        #expect(Set(answers.compactMap { $0 }) == Set((0..<50).map { "t\($0)" }))
    }
}

/// `mmapSize`, `walAutoCheckpointPages` and `cacheSizeKiB` reach every connection they apply to.
@Suite struct ConnectionPragmaTests {
    @Test func configuredPragmasAreApplied() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        var configuration = Database.Configuration()
        configuration.mmapSize = 8 << 20
        configuration.walAutoCheckpointPages = 4_000
        configuration.cacheSizeKiB = 256
        let database = try Database(path: dir.path("db.sqlite"), configuration: configuration, migrator: DatabaseTests.schema)
        let writer = try await database.writeWithoutTransaction { db in
            [
                try db.queryOne("PRAGMA mmap_size")?.get(0, as: Int.self), try db.queryOne("PRAGMA wal_autocheckpoint")?.get(0, as: Int.self),
                try db.queryOne("PRAGMA cache_size")?.get(0, as: Int.self),
            ]
        }
        #expect(writer == [8 << 20, 4_000, -256])
        let reader = try await database.readNow { db in
            [try db.queryOne("PRAGMA mmap_size")?.get(0, as: Int.self), try db.queryOne("PRAGMA cache_size")?.get(0, as: Int.self)]
        }
        #expect(reader == [8 << 20, -256])
        let defaults = try Connection(path: dir.path("other.sqlite"))
        #expect(try defaults.queryOne("PRAGMA mmap_size")?.get(0, as: Int.self) == 0)
        #expect(try defaults.queryOne("PRAGMA wal_autocheckpoint")?.get(0, as: Int.self) == 1_000)
        #expect(try defaults.queryOne("PRAGMA cache_size")?.get(0, as: Int.self) == -2_000)
    }
}
