import Dispatch

/// The public entry point: one SQLite database file shared by concurrent async callers.
///
/// One writer connection and `readerCount` reader connections, each confined to its own serial
/// dispatch queue (blocking SQLite calls never run on the cooperative pool). WAL lets readers
/// read a committed snapshot while the writer writes. An in-memory database uses one
/// connection for both roles.
public final class Database: Sendable {
    /// The file path, or `:memory:`.
    public let path: String
    /// The settings every connection was opened with.
    public let configuration: Database.Configuration
    private let writer: SerializedConnection
    /// `nil` for in-memory databases: reads then go through the writer.
    private let readers: ReaderPool?
    let batcher: WriteBatcher

    /// Opens (creating if needed) the database at `path`, runs `migrator` on the writer, then
    /// opens the readers. Blocks the calling thread while it does: call it at startup, or use
    /// `open` from async code.
    /// - Throws: `SQLiteError` opening, `MigrationError` migrating (including a file whose
    ///   schema is newer than `migrator` knows).
    public init(
        path: String, configuration: Database.Configuration = Database.Configuration(), migrator: Migrator? = nil
    ) throws {
        self.path = path
        self.configuration = configuration
        let inMemory = path.isEmpty || path.contains(":memory:") || path.contains("mode=memory")
        let writerConnection = try Connection(path: path, configuration: configuration)
        if let migrator { try migrator.migrate(writerConnection) }
        writer = SerializedConnection(connection: writerConnection, label: "\(configuration.label).writer")
        if inMemory || configuration.readerCount < 1 {
            readers = nil
        } else {
            var connections: [SerializedConnection] = []
            for i in 0..<configuration.readerCount {
                let connection = try Connection(path: path, configuration: configuration, readOnly: true)
                let label = "\(configuration.label).reader\(i)"
                connections.append(SerializedConnection(connection: connection, label: label))
            }
            readers = ReaderPool(readers: connections)
        }
        batcher = WriteBatcher(writer: writer, maxBatchSize: configuration.maxBatchSize)
    }

    /// Opens the database off the cooperative pool (on a global dispatch queue).
    /// - Throws: as `init`.
    public static func open(
        path: String, configuration: Database.Configuration = Database.Configuration(), migrator: Migrator? = nil
    ) async throws -> Database {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try Database(path: path, configuration: configuration, migrator: migrator) })
            }
        }
    }

    /// Runs `body` in an IMMEDIATE transaction on the writer: committed when it returns, rolled
    /// back when it throws. Writes are serialized in arrival order on the writer queue.
    /// - Throws: what `body` throws, or `SQLiteError` (e.g. `SQLITE_BUSY` when another process
    ///   holds the write lock past the busy timeout).
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await writer.transaction(.immediate, body)
    }

    /// Runs `body` on the writer outside any transaction (VACUUM, PRAGMAs, own transactions).
    /// - Throws: what `body` throws.
    public func writeWithoutTransaction<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await writer.run(body)
    }

    /// Group commit for many small writes: `body` runs inside a transaction shared with other
    /// `writeBatched` callers that arrived meanwhile (at most `maxBatchSize`), committed once.
    /// Returns after that commit. If `body` throws, only its own changes roll back and it gets
    /// its own error. `body` must only touch the connection (no other side effects, no
    /// BEGIN/COMMIT/ROLLBACK): a batch runs without savepoints first, and when one of its bodies
    /// throws, that attempt is rolled back and every body of the batch runs again, each in its
    /// own SAVEPOINT.
    /// - Throws: what `body` throws, or the `SQLiteError` that failed BEGIN/COMMIT of its batch.
    public func writeBatched<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await batcher.submit(body)
    }

    /// Group commits (`writeBatched` transactions) begun so far; with the number of
    /// `writeBatched` calls it gives the average batch size (benchmarks, metrics).
    public var batchedTransactionCount: Int { batcher.batchCount }

    /// Runs `body` in a read transaction on a reader connection: every query in it sees one
    /// committed snapshot. Reader connections refuse writes (`PRAGMA query_only`).
    /// - Throws: what `body` throws, or `SQLiteError` (`SQLITE_READONLY` on a write attempt).
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let work: @Sendable (Connection) throws -> T = { connection in try connection.transaction(.deferred, body) }
        if let readers { return try await readers.run(work) }
        return try await writer.run(work)
    }

    /// `read` without the thread hand-off: runs `body` in a read transaction on a leased reader
    /// connection **on the calling thread** (it suspends only to wait for a free reader).
    ///
    /// For short indexed reads on hot paths (a row by primary key), where the two thread
    /// switches of `read` cost more than the read itself. The trade-off: SQLite's work blocks the
    /// caller's thread — a cooperative-pool thread in async code — for the read's duration. WAL
    /// readers take no lock a writer holds, so that is CPU and page-cache time, not waiting on
    /// other connections (except `SQLITE_BUSY` retries during WAL recovery, bounded by the busy
    /// timeout). Use `read` for scans, counts and anything whose size depends on the data.
    /// An in-memory database has no readers: this then goes through the writer like `read`.
    /// - Throws: what `body` throws, or `SQLiteError` (`SQLITE_READONLY` on a write attempt).
    public func readNow<T: Sendable>(_ body: (Connection) throws -> T) async throws -> T {
        guard let readers else {
            return try await withoutActuallyEscaping(body) { body in
                // The writer runs it on its queue; `read` waits for that, so `body` does not outlive this call.
                let unchecked = UncheckedReadBody(body: body)
                return try await writer.run { connection in try connection.transaction(.deferred, unchecked.body) }
            }
        }
        return try await readers.runHere { connection in try connection.transaction(.deferred, body) }
    }
}

/// Carries a non-escaping read body to the writer queue for `readNow` on an in-memory database.
///
/// `@unchecked Sendable` invariant: the caller awaits the queue job that runs `body`, so `body`
/// runs exactly once, while its caller is suspended, and never concurrently with it.
private struct UncheckedReadBody<T>: @unchecked Sendable {
    let body: (Connection) throws -> T
}
