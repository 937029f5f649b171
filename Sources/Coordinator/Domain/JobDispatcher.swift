import Synchronization
public import WireModels

/// Wake-ups for long-polling miners (spec §8 "true long-poll").
///
/// Two counters make wake-ups impossible to lose: a global generation that rises with every
/// job that becomes claimable (submitted or requeued), and a per-miner generation that rises
/// when one of that miner's jobs leaves RUNNING (a concurrency slot frees). A poller takes a
/// `Ticket` (both counters), tries to claim, and when nothing fits waits until a counter moves
/// past its ticket — so a change between the failed claim and the wait is never missed, and a
/// waiter with nothing to do sleeps on a continuation (no busy loop).
///
/// `notify(constraints:)` resumes the oldest waiter whose miner satisfies the new job's
/// constraints (one job, one wake-up, never a poller that could not take it);
/// `notify(count:)` resumes the `count` oldest job waiters; `notifyCapacity(minerID:)` resumes
/// that miner's waiters. A miner that cannot take work at all (not ONLINE, or at its
/// concurrency) waits for its own capacity only, so it never swallows a job's wake-up.
/// Waits end at their timeout or on task cancellation.
public final class JobDispatcher: Sendable {
    /// What a waiter waits for.
    public enum Interest: Sendable {
        /// New jobs this matcher accepts (nil: any job).
        case jobs(ConstraintMatcher?)
        /// Only this miner's own capacity (it cannot take work now).
        case capacity
    }

    /// What a poller saw before trying to claim.
    public struct Ticket: Sendable, Equatable {
        /// The global job generation.
        public let jobs: UInt64
        /// The poller's miner generation (0 without a miner).
        public let capacity: UInt64
    }

    private struct Waiter {
        let continuation: CheckedContinuation<Bool, Never>
        let minerID: String?
        let interest: Interest
    }

    private struct State {
        var generation: UInt64 = 0
        var minerGenerations: [String: UInt64] = [:]
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var order: [UInt64] = []
        /// Waits that timed out or were cancelled before their continuation was registered.
        var settled: Set<UInt64> = []

        func moved(_ ticket: Ticket, minerID: String?, interest: Interest) -> Bool {
            if (minerID.flatMap { minerGenerations[$0] } ?? 0) != ticket.capacity { return true }
            if case .jobs = interest { return generation != ticket.jobs }
            return false
        }
    }

    private let state = Mutex(State())

    /// Creates a dispatcher with no waiters.
    public init() {}

    /// The current job generation.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// How many pollers are waiting now (metrics, tests).
    public var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// The counters to wait on; take it before trying to claim.
    public func ticket(minerID: String?) -> Ticket {
        state.withLock { state in
            Ticket(jobs: state.generation, capacity: minerID.flatMap { state.minerGenerations[$0] } ?? 0)
        }
    }

    /// `count` jobs became claimable: advances the generation and wakes up to `count` waiters.
    public func notify(count: Int = 1) {
        guard count > 0 else { return }
        let woken: [CheckedContinuation<Bool, Never>] = state.withLock { state in
            state.generation &+= UInt64(count)
            var resumed: [CheckedContinuation<Bool, Never>] = []
            while resumed.count < count, !state.order.isEmpty {
                let id = state.order.removeFirst()
                if let waiter = state.waiters.removeValue(forKey: id) { resumed.append(waiter.continuation) }
            }
            return resumed
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// One job with `constraints` became claimable: advances the generation and wakes the
    /// oldest waiter whose miner can take it.
    public func notify(constraints: JobConstraints) {
        let woken: CheckedContinuation<Bool, Never>? = state.withLock { state in
            state.generation &+= 1
            guard
                let position = state.order.firstIndex(where: { id in
                    guard case .jobs(let matcher)? = state.waiters[id]?.interest else { return false }
                    return matcher?.matches(constraints) ?? true
                })
            else { return nil }
            let id = state.order.remove(at: position)
            return state.waiters.removeValue(forKey: id)?.continuation
        }
        woken?.resume(returning: true)
    }

    /// A job of `minerID` left RUNNING: wakes that miner's waiters, which may claim again.
    public func notifyCapacity(minerID: String) {
        let woken: [CheckedContinuation<Bool, Never>] = state.withLock { state in
            state.minerGenerations[minerID, default: 0] &+= 1
            let ids = state.waiters.filter { $0.value.minerID == minerID }.map(\.key)
            guard !ids.isEmpty else { return [] }
            state.order.removeAll { ids.contains($0) }
            return ids.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Waits until the job generation differs from `generation` and this waiter is woken, or
    /// `timeout` passes, or the task is cancelled.
    /// - Returns: true when woken by new work, false on timeout or cancellation.
    public func wait(since generation: UInt64, timeout: Duration) async -> Bool {
        await wait(Ticket(jobs: generation, capacity: 0), minerID: nil, interest: .jobs(nil), timeout: timeout)
    }

    /// Waits until a counter moves past `ticket` and this waiter is woken, or `timeout`
    /// passes, or the task is cancelled.
    /// - Returns: true when woken, false on timeout or cancellation.
    public func wait(_ ticket: Ticket, minerID: String?, interest: Interest = .jobs(nil), timeout: Duration) async -> Bool {
        guard timeout > .zero else { return state.withLock { $0.moved(ticket, minerID: minerID, interest: interest) } }
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
                        if state.moved(ticket, minerID: minerID, interest: interest) { return true }
                        if state.settled.remove(id) != nil { return false }
                        state.waiters[id] = Waiter(continuation: continuation, minerID: minerID, interest: interest)
                        if case .jobs = interest { state.order.append(id) }
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
            if let waiter = state.waiters.removeValue(forKey: id) {
                state.order.removeAll { $0 == id }
                return waiter.continuation
            }
            state.settled.insert(id)
            return nil
        }
        continuation?.resume(returning: false)
    }
}
