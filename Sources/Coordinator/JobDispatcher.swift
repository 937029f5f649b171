import Synchronization

/// Wake-ups for long-polling miners (spec §8 "true long-poll").
///
/// A generation counter rises with every job that becomes claimable (submitted or
/// requeued). A poller reads the generation, tries to claim, and when nothing fits waits
/// for the generation to move past what it read — so a job that arrives between the failed
/// claim and the wait is never missed, and a waiter with nothing to do sleeps on a
/// continuation (no busy loop). `notify(count:)` resumes at most `count` waiters, oldest
/// first. Waits end at their timeout or when the waiting task is cancelled.
public final class JobDispatcher: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        var order: [UInt64] = []
        /// Waits that timed out or were cancelled before their continuation was registered.
        var settled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    /// Creates a dispatcher with no waiters.
    public init() {}

    /// The current generation; read it before trying to claim.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// How many pollers are waiting now (metrics, tests).
    public var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// `count` jobs became claimable: advances the generation and wakes up to `count` waiters.
    public func notify(count: Int = 1) {
        guard count > 0 else { return }
        let woken: [CheckedContinuation<Bool, Never>] = state.withLock { state in
            state.generation &+= UInt64(count)
            var resumed: [CheckedContinuation<Bool, Never>] = []
            while resumed.count < count, !state.order.isEmpty {
                let id = state.order.removeFirst()
                if let continuation = state.waiters.removeValue(forKey: id) { resumed.append(continuation) }
            }
            return resumed
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Waits until the generation differs from `generation` and this waiter is woken, or
    /// `timeout` passes, or the task is cancelled.
    /// - Returns: true when woken by new work, false on timeout or cancellation.
    public func wait(since generation: UInt64, timeout: Duration) async -> Bool {
        guard timeout > .zero else { return state.withLock { $0.generation != generation } }
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        let woken = await withTaskGroup(of: Void.self) { group -> Bool in
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    self.settle(id)
                } catch {
                    // Cancelled: the waiter was resumed some other way.
                }
            }
            let result = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    let immediate: Bool? = state.withLock { state in
                        if state.generation != generation { return true }
                        if state.settled.remove(id) != nil { return false }
                        state.waiters[id] = continuation
                        state.order.append(id)
                        return nil
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            } onCancel: {
                self.settle(id)
            }
            group.cancelAll()
            return result
        }
        // A settle that raced with a wake-up may have left the id behind.
        state.withLock { _ = $0.settled.remove(id) }
        return woken
    }

    /// Ends wait `id` with false (timeout/cancel), or remembers it if not registered yet.
    private func settle(_ id: UInt64) {
        let continuation: CheckedContinuation<Bool, Never>? = state.withLock { state in
            if let continuation = state.waiters.removeValue(forKey: id) {
                state.order.removeAll { $0 == id }
                return continuation
            }
            state.settled.insert(id)
            return nil
        }
        continuation?.resume(returning: false)
    }
}
