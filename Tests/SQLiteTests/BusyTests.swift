import Dispatch
import Testing
import TestSupport

@testable import SQLite

/// Two `Database` instances on one file stand for two processes: SQLite's file locks are
/// per connection, so the second writer sees the first one's write lock exactly as another
/// process would.
@Suite struct BusyTests {
    static let schema = Migrator([Migration(version: 1, name: "t", sql: "CREATE TABLE t(x);")])

    func open(_ dir: TemporaryDirectory, busyTimeout: Duration) throws -> Database {
        var configuration = Database.Configuration()
        configuration.busyTimeout = busyTimeout
        configuration.readerCount = 1
        return try Database(path: dir.path("db.sqlite"), configuration: configuration, migrator: Self.schema)
    }

    /// Starts a write transaction on `database` that holds the lock until `release` is signalled.
    func holdWriteLock(_ database: Database, release: DispatchSemaphore) async -> Task<Void, any Error> {
        let holding = AsyncSignal()
        let task = Task {
            try await database.write { db in
                try db.execute("INSERT INTO t VALUES ('first')")
                holding.signal()
                release.wait()
            }
        }
        await holding.wait()
        return task
    }

    @Test func writerFailsWithBusyAfterTimeout() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let first = try open(dir, busyTimeout: .seconds(5))
        let second = try open(dir, busyTimeout: .milliseconds(100))
        let release = DispatchSemaphore(value: 0)
        let holder = await holdWriteLock(first, release: release)
        let error = await #expect(throws: SQLiteError.self) {
            try await second.write { db in try db.execute("INSERT INTO t VALUES ('second')") }
        }
        #expect(error?.resultCode == .SQLITE_BUSY)
        release.signal()
        try await holder.value
        // Readers were never blocked, and only the first write landed.
        #expect(try await second.read { db in try db.queryOne("SELECT count(*) FROM t")?.get(0, as: Int.self) } == 1)
        // With the lock free, the second database writes normally.
        try await second.write { db in try db.execute("INSERT INTO t VALUES ('second')") }
        #expect(try await first.read { db in try db.queryOne("SELECT count(*) FROM t")?.get(0, as: Int.self) } == 2)
    }

    @Test func writerWaitsAndSucceedsWhenLockIsReleasedWithinTimeout() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let first = try open(dir, busyTimeout: .seconds(5))
        let second = try open(dir, busyTimeout: .seconds(30))
        let release = DispatchSemaphore(value: 0)
        let holder = await holdWriteLock(first, release: release)
        // Release from elsewhere while the second writer is already waiting on the lock.
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) { release.signal() }
        try await second.write { db in try db.execute("INSERT INTO t VALUES ('second')") }
        try await holder.value
        let rows = try await second.read { db in try db.query("SELECT x FROM t ORDER BY rowid").map { try $0.get(0, as: String.self) } }
        #expect(rows == ["first", "second"])
    }

    @Test func batchedWritersGetBusyToo() async throws {
        let dir = try TemporaryDirectory(prefix: "sqlite")
        let first = try open(dir, busyTimeout: .seconds(5))
        let second = try open(dir, busyTimeout: .milliseconds(100))
        let release = DispatchSemaphore(value: 0)
        let holder = await holdWriteLock(first, release: release)
        let error = await #expect(throws: SQLiteError.self) {
            try await second.writeBatched { db in try db.execute("INSERT INTO t VALUES ('second')") }
        }
        #expect(error?.resultCode == .SQLITE_BUSY)
        release.signal()
        try await holder.value
        try await second.writeBatched { db in try db.execute("INSERT INTO t VALUES ('second')") }
        #expect(try await second.read { db in try db.queryOne("SELECT count(*) FROM t")?.get(0, as: Int.self) } == 2)
    }
}
