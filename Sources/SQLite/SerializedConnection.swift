import Dispatch

/// A connection confined to its own serial dispatch queue.
///
/// `@unchecked Sendable` invariant: `connection` is touched only by closures running on
/// `queue`, which is serial, so SQLite (opened NOMUTEX) never sees two threads at once.
/// Blocking SQLite calls therefore run on this queue's thread, never on the cooperative pool.
/// The one exception is `runHere`, for reader connections: `ReaderPool` leases a reader to one
/// caller at a time, and that caller uses it either through the queue or on its own thread,
/// never both, so the connection still sees one thread at a time.
final class SerializedConnection: @unchecked Sendable {
    private let queue: DispatchQueue
    private let connection: Connection

    init(connection: Connection, label: String) {
        self.connection = connection
        self.queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue and resumes the caller with its result.
    ///
    /// The continuation is resumed exactly once, by the one job enqueued here, so the unsafe
    /// variant is sound and saves the checked one's extra allocation per call.
    func run<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.connection) })
            }
        }
    }

    /// Runs `body` in a `kind` transaction on the queue (`Database.write`): the same as
    /// `run { try $0.transaction(kind, body) }` without allocating the wrapping closure.
    func transaction<T: Sendable>(
        _ kind: TransactionKind, _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.connection.transaction(kind, body) })
            }
        }
    }

    /// Runs `body` on the calling thread. Only for a caller holding this connection's
    /// `ReaderPool` lease (nothing else can be running on it, on the queue or elsewhere).
    func runHere<T>(_ body: (Connection) throws -> T) rethrows -> T {
        try body(connection)
    }

    /// Enqueues `work` without waiting (the group-commit drain).
    func enqueue(_ work: @escaping @Sendable (Connection) -> Void) {
        queue.async { work(self.connection) }
    }
}
