import Synchronization

/// Group commit: `writeBatched` bodies that arrive while the writer is busy are coalesced into
/// one IMMEDIATE transaction, each inside its own SAVEPOINT, and committed once.
///
/// Every caller resumes only after COMMIT has returned (as durable as `synchronous` makes it);
/// a body that throws rolls back to its savepoint and gets its own error, the others commit.
final class WriteBatcher: Sendable {
    private struct State {
        var pending: [any BatchedWrite] = []
        /// A drain job is queued or running on the writer queue.
        var drainScheduled = false
        /// Batches begun so far (for tests and metrics).
        var batches = 0
    }

    private let writer: SerializedConnection
    private let maxBatchSize: Int
    private let state = Mutex(State())

    init(writer: SerializedConnection, maxBatchSize: Int) {
        self.writer = writer
        self.maxBatchSize = max(1, maxBatchSize)
    }

    /// Batches begun so far.
    var batchCount: Int { state.withLock { $0.batches } }

    /// Queues `body` for the next batch and waits until its batch has committed.
    func submit<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let item = BatchedWriteItem(body: body, continuation: continuation)
            let mustSchedule = state.withLock { state in
                state.pending.append(item)
                guard !state.drainScheduled else { return false }
                state.drainScheduled = true
                return true
            }
            if mustSchedule { writer.enqueue { connection in self.drain(connection) } }
        }
    }

    /// Runs on the writer queue: commits one batch, then re-enqueues itself if more arrived,
    /// so plain `write` calls queued meanwhile are not starved.
    private func drain(_ connection: Connection) {
        let (batch, more) = state.withLock { state -> ([any BatchedWrite], Bool) in
            let batch = Array(state.pending.prefix(maxBatchSize))
            state.pending.removeFirst(batch.count)
            if !batch.isEmpty { state.batches += 1 }
            // With nothing left, callers arriving from now on schedule the next drain (and form
            // the next batch); otherwise this drain stays responsible for the overflow.
            if state.pending.isEmpty { state.drainScheduled = false }
            return (batch, !state.pending.isEmpty)
        }
        commit(batch, on: connection)
        if more { writer.enqueue { connection in self.drain(connection) } }
    }

    private func commit(_ batch: [any BatchedWrite], on connection: Connection) {
        guard !batch.isEmpty else { return }
        var done: [any BatchedWrite] = []
        let lost = SQLiteError(code: .SQLITE_ABORT, message: "batched transaction rolled back by another write")
        do {
            try connection.begin(.immediate)
        } catch {
            for item in batch { item.finish(overridingWith: error) }
            return
        }
        for item in batch {
            if !connection.isInTransaction {
                // A previous body's error made SQLite roll the whole transaction back
                // (SQLITE_FULL, IOERR, …): the bodies already run are lost with it.
                for earlier in done { earlier.finish(overridingWith: lost) }
                done = []
                do {
                    try connection.begin(.immediate)
                } catch {
                    item.finish(overridingWith: error)
                    continue
                }
            }
            do {
                try connection.savepoint { connection in try item.run(connection) }
                done.append(item)
            } catch {
                item.finish(overridingWith: error)
            }
        }
        guard connection.isInTransaction else {
            // The last body's error rolled the transaction back: nothing here was committed.
            for item in done { item.finish(overridingWith: lost) }
            return
        }
        do {
            try connection.commit()
            for item in done { item.finish(overridingWith: nil) }
        } catch {
            connection.rollbackIfNeeded()
            for item in done { item.finish(overridingWith: error) }
        }
    }
}

/// One queued body, type-erased so a batch can mix result types.
private protocol BatchedWrite: Sendable {
    /// Runs the body, keeping its value; rethrows its error.
    func run(_ connection: Connection) throws
    /// Resumes the caller with `error` if given, else with the kept value.
    func finish(overridingWith error: (any Error)?)
}

/// `@unchecked Sendable` invariant: `value` is written and read only on the writer queue
/// (in `run`, then `finish`), and the continuation is resumed exactly once, from `finish`.
private final class BatchedWriteItem<T: Sendable>: BatchedWrite, @unchecked Sendable {
    private let body: @Sendable (Connection) throws -> T
    private let continuation: CheckedContinuation<T, any Error>
    private var value: T?

    init(body: @escaping @Sendable (Connection) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    func run(_ connection: Connection) throws {
        value = try body(connection)
    }

    func finish(overridingWith error: (any Error)?) {
        if let error {
            continuation.resume(throwing: error)
        } else if let value {
            continuation.resume(returning: value)
        } else {
            // Unreachable: `finish(nil)` is only called for items whose `run` succeeded.
            continuation.resume(
                throwing: SQLiteError(code: .SQLITE_MISUSE, message: "batched write finished without a result"))
        }
    }
}
