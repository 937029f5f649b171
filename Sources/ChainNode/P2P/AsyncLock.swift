import Synchronization

/// A lock for async code: one holder at a time, waiters resumed in arrival order. Block
/// imports from gossip and from range sync take it, so they never race for the same height.
final class AsyncLock: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` holding the lock.
    func withLock<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let acquired = state.withLock { state -> Bool in
                if state.held {
                    state.waiters.append(continuation)
                    return false
                }
                state.held = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// Wakes one waiting task (the sync loop) when something changed; a signal sent while nobody
/// waits is kept, so a change between two waits is never missed.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns after a signal or `timeout`, whichever comes first.
    ///
    /// The timer signals only when its sleep ran out, and is finished before this returns: a
    /// timer cancelled because a signal came first must not leave a signal pending, or the
    /// next wait returns at once, its timer does the same, and a loop of waits (the sync loop,
    /// idle on every node) spins through a task and a dispatch timer per turn instead of sleeping.
    func wait(timeout: Duration) async {
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.signal()
        }
        await waitForSignal()
        timer.cancel()
        await timer.value
    }

    /// Whether a signal is kept for the next wait (tests).
    var hasPendingSignal: Bool { state.withLock { $0.pending } }

    /// Whether a task is parked in `wait` (tests).
    var isWaiting: Bool { state.withLock { $0.waiter != nil } }

    private func waitForSignal() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                // One waiter at a time; a second one resumes the first.
                if let previous = state.waiter { previous.resume() }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// A flag tasks share (an `Atomic` cannot be captured by a task's closure).
final class SharedFlag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
