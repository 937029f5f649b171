import Synchronization

/// Hands out reader connections one caller at a time; callers beyond the pool size wait
/// (suspended, not blocking a thread) for the next one released.
final class ReaderPool: Sendable {
    private struct State {
        var free: [Int]
        var waiters: [CheckedContinuation<Int, Never>] = []
    }

    let readers: [SerializedConnection]
    private let state: Mutex<State>

    init(readers: [SerializedConnection]) {
        precondition(!readers.isEmpty, "a reader pool needs at least one connection")
        self.readers = readers
        self.state = Mutex(State(free: Array(readers.indices)))
    }

    /// Runs `body` on a free reader connection, on that reader's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let index = await acquire()
        defer { release(index) }
        return try await readers[index].run(body)
    }

    /// Runs `body` on a free reader connection on the calling thread (`Database.readNow`).
    func runHere<T>(_ body: (Connection) throws -> T) async throws -> T {
        let index = await acquire()
        defer { release(index) }
        return try readers[index].runHere(body)
    }

    private func acquire() async -> Int {
        // Uncontended (the common case): no continuation, no suspension.
        if let index = state.withLock({ $0.free.popLast() }) { return index }
        return await withCheckedContinuation { continuation in
            let index: Int? = state.withLock { state in
                if let index = state.free.popLast() { return index }
                state.waiters.append(continuation)
                return nil
            }
            if let index { continuation.resume(returning: index) }
        }
    }

    private func release(_ index: Int) {
        let waiter: CheckedContinuation<Int, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.free.append(index)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: index)
    }
}
