import Synchronization

/// Group commit: `writeBatched` bodies that arrive while the writer is busy are coalesced into
/// one IMMEDIATE transaction and committed once.
///
/// Every caller resumes only after COMMIT has returned (as durable as `synchronous` makes it);
/// a body that throws gets its own error and none of its changes commit, the others commit.
/// A batch first runs without savepoints; if a body throws, that attempt is rolled back and the
/// batch is run again with each body in its own SAVEPOINT (so bodies may run twice).
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
        try await withUnsafeThrowingContinuation { continuation in
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
        // Every path below settles each item exactly once; the callers resume after that.
        defer { WriteBatcher.resumeAll(batch) }
        if commitOptimistically(batch, on: connection) { return }
        // Some body failed (or ended the transaction): everything of the first attempt is
        // rolled back, and the batch runs again with a savepoint per body.
        var done: [any BatchedWrite] = []
        let lost = SQLiteError(code: .SQLITE_ABORT, message: "batched transaction rolled back by another write")
        do {
            try connection.begin(.immediate)
        } catch {
            for item in batch { item.settle(overridingWith: error) }
            return
        }
        for item in batch {
            if !connection.isInTransaction {
                // A previous body's error made SQLite roll the whole transaction back
                // (SQLITE_FULL, IOERR, …): the bodies already run are lost with it.
                for earlier in done { earlier.settle(overridingWith: lost) }
                done = []
                do {
                    try connection.begin(.immediate)
                } catch {
                    item.settle(overridingWith: error)
                    continue
                }
            }
            do {
                try connection.savepoint { connection in try item.run(connection) }
                done.append(item)
            } catch {
                item.settle(overridingWith: error)
            }
        }
        guard connection.isInTransaction else {
            // The last body's error rolled the transaction back: nothing here was committed.
            for item in done { item.settle(overridingWith: lost) }
            return
        }
        do {
            try connection.commit()
            for item in done { item.settle(overridingWith: nil) }
        } catch {
            connection.rollbackIfNeeded()
            for item in done { item.settle(overridingWith: error) }
        }
    }
}

extension WriteBatcher {
    /// Resumes the callers of a settled batch. Each resume from this (writer) thread would
    /// enqueue on the global executor and, with the pool threads asleep, wake one; a batch
    /// instead hands all of its continuations to one task, which resumes them from the pool
    /// (one wake-up from here). A batch of one resumes directly: a task would add a hop.
    fileprivate static func resumeAll(_ batch: [any BatchedWrite]) {
        if batch.count == 1 {
            for item in batch { item.resume() }
            return
        }
        Task { for item in batch { item.resume() } }
    }
}

extension WriteBatcher {
    /// The common case first: runs every body of the batch in one transaction without a
    /// savepoint each (two statements fewer per body) and commits. Returns false, with the
    /// transaction rolled back and nothing settled, as soon as a body throws or leaves the
    /// transaction, so that the caller redoes the batch with a savepoint per body; then each
    /// body that failed rolls back only itself, as if savepoints had been used from the start.
    /// Returns true when every item is settled (committed, or failed by BEGIN/COMMIT).
    fileprivate func commitOptimistically(_ batch: [any BatchedWrite], on connection: Connection) -> Bool {
        do {
            try connection.begin(.immediate)
        } catch {
            for item in batch { item.settle(overridingWith: error) }
            return true
        }
        for item in batch {
            do {
                try item.run(connection)
            } catch {
                connection.rollbackIfNeeded()
                return false
            }
            guard connection.isInTransaction else { return false }
        }
        do {
            try connection.commit()
        } catch {
            connection.rollbackIfNeeded()
            for item in batch { item.settle(overridingWith: error) }
            return true
        }
        for item in batch { item.settle(overridingWith: nil) }
        return true
    }
}

/// One queued body, type-erased so a batch can mix result types.
private protocol BatchedWrite: Sendable {
    /// Runs the body, keeping its value; rethrows its error.
    func run(_ connection: Connection) throws
    /// Records the outcome: `error` if given, else the kept value (writer queue only).
    func settle(overridingWith error: (any Error)?)
    /// Resumes the caller with the recorded outcome; called once, after `settle`.
    func resume()
}

/// `@unchecked Sendable` invariant: `value` and `failure` are written only on the writer
/// queue (in `run`, then `settle`) before `resume` reads them, which happens after the batch is
/// settled (on the writer queue, or in a task created after, which orders the reads after the
/// writes); the continuation is resumed exactly once, from `resume`.
private final class BatchedWriteItem<T: Sendable>: BatchedWrite, @unchecked Sendable {
    private let body: @Sendable (Connection) throws -> T
    private let continuation: UnsafeContinuation<T, any Error>
    private var value: T?
    private var failure: (any Error)?

    init(body: @escaping @Sendable (Connection) throws -> T, continuation: UnsafeContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    func run(_ connection: Connection) throws {
        value = try body(connection)
    }

    func settle(overridingWith error: (any Error)?) {
        failure = error
    }

    func resume() {
        if let failure {
            continuation.resume(throwing: failure)
        } else if let value {
            continuation.resume(returning: value)
        } else {
            // Unreachable: `settle(nil)` is only called for items whose `run` succeeded.
            continuation.resume(
                throwing: SQLiteError(code: .SQLITE_MISUSE, message: "batched write finished without a result"))
        }
    }
}
