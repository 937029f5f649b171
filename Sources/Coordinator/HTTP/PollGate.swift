import Synchronization

/// Tracks in-flight long polls so shutdown can end them at once: a poll may wait up to 60 s,
/// which would otherwise hold the drain until its deadline. After `close()` every running
/// poll is cancelled (it answers 204, the job stays QUEUED) and new polls answer 204 without
/// claiming, so no job is handed to a miner whose response may never be written.
public final class PollGate: Sendable {
    private struct State {
        var closed = false
        var nextID = 0
        var tasks: [Int: Task<ClaimedJob?, any Error>] = [:]
    }

    private let state = Mutex(State())

    /// An open gate.
    public init() {}

    /// Runs `poll` as a cancellable child of the gate; nil (204) once the gate is closed.
    /// - Throws: the `CoordinatorError` the poll threw.
    public func run(_ poll: @escaping @Sendable () async throws(CoordinatorError) -> ClaimedJob?) async throws(CoordinatorError)
        -> ClaimedJob?
    {
        // The task is created under the lock, so a closed gate never starts a claim.
        let started: (id: Int, task: Task<ClaimedJob?, any Error>)? = state.withLock { state in
            guard !state.closed else { return nil }
            let id = state.nextID
            state.nextID &+= 1
            let task = Task<ClaimedJob?, any Error> { try await poll() }
            state.tasks[id] = task
            return (id, task)
        }
        guard let (id, task) = started else { return nil }
        defer { _ = state.withLock { $0.tasks.removeValue(forKey: id) } }
        do {
            return try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
        } catch let error as CoordinatorError {
            throw error
        } catch {
            return nil
        }
    }

    /// Cancels every running poll and refuses new ones.
    public func close() {
        let tasks = state.withLock { state in
            state.closed = true
            return Array(state.tasks.values)
        }
        tasks.forEach { $0.cancel() }
    }

    /// Polls waiting right now.
    public var inFlight: Int { state.withLock { $0.tasks.count } }
}
