import Dispatch
import Synchronization

/// Bounds how many Argon2id runs happen at once (`MAX_CONCURRENT_UNLOCKS`, default 2): each run
/// takes `m_kib` of memory (64 MiB by default), so unbounded parallel unlocks are a memory
/// exhaustion attack (§14.5). Work beyond the bound waits in a FIFO; running work executes on a
/// Dispatch queue, never on the cooperative pool, so an unlock never stalls other requests.
public final class KDFGate: Sendable {
    /// The most runs at once.
    public let maxConcurrent: Int
    private let queue = DispatchQueue(label: "wallet.kdf", qos: .userInitiated, attributes: .concurrent)
    private let state = Mutex<State>(State())

    struct State {
        var running = 0
        var peakRunning = 0
        var waiting: [@Sendable () -> Void] = []
        var head = 0
        var completed = 0
    }

    /// A gate admitting `maxConcurrent` runs at once.
    public init(maxConcurrent: Int) {
        precondition(maxConcurrent >= 1, "KDFGate needs at least one slot")
        self.maxConcurrent = maxConcurrent
    }

    /// Runs `work` when a slot is free, off the cooperative pool, and returns its result.
    /// - Throws: what `work` throws.
    public func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            let job: @Sendable () -> Void = { [self] in
                let outcome: Result<T, E>
                do throws(E) {
                    outcome = .success(try work())
                } catch {
                    outcome = .failure(error)
                }
                finished()
                continuation.resume(returning: outcome)
            }
            let startNow = state.withLock { state -> Bool in
                guard state.running < maxConcurrent else {
                    state.waiting.append(job)
                    return false
                }
                state.running += 1
                state.peakRunning = max(state.peakRunning, state.running)
                return true
            }
            if startNow { queue.async(execute: job) }
        }
        return try result.get()
    }

    /// Runs in progress now.
    public var running: Int { state.withLock { $0.running } }
    /// Runs waiting for a slot now.
    public var queued: Int { state.withLock { $0.waiting.count - $0.head } }
    /// The most runs ever in progress at once (tests of the bound, metrics).
    public var peakRunning: Int { state.withLock { $0.peakRunning } }
    /// Runs finished.
    public var completed: Int { state.withLock { $0.completed } }

    /// Frees the slot, or hands it straight to the next waiter.
    private func finished() {
        let next = state.withLock { state -> (@Sendable () -> Void)? in
            state.completed += 1
            guard state.head < state.waiting.count else {
                state.running -= 1
                state.waiting.removeAll(keepingCapacity: true)
                state.head = 0
                return nil
            }
            let job = state.waiting[state.head]
            state.head += 1
            if state.head > 1_024, state.head * 2 > state.waiting.count {
                state.waiting.removeFirst(state.head)
                state.head = 0
            }
            return job
        }
        if let next { queue.async(execute: next) }
    }
}
