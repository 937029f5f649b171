import Synchronization

/// Aborts a socket with an error when a duration passes, unless disarmed first.
///
/// `disarm()` and the firing decide under one lock, so exactly one of them wins: when the
/// timer won, the caller must treat the exchange as timed out and not reuse the connection.
///
/// Deadlines fire from `DeadlineScheduler`'s own thread, not from a sleeping Task: a timeout
/// must fire even when every thread of Swift's cooperative pool is busy (a loaded service, or a
/// test run full of blocking work), which is exactly when a peer is most likely to stall.
/// (They were Dispatch timer sources until arming and cancelling one per request — each a
/// round trip through Dispatch's manager thread — was measured at ~15 % of a busy client's CPU.)
final class Deadline: Sendable {
    let fired = Mutex<Bool?>(false)  // nil once disarmed
    private let socket: ClientSocket
    private let error: HTTPClientError
    private let id: UInt64
    private let scheduler: DeadlineScheduler

    init(after duration: Duration, socket: ClientSocket, error: HTTPClientError, scheduler: DeadlineScheduler = .shared) {
        self.socket = socket
        self.error = error
        self.scheduler = scheduler
        id = scheduler.makeID()
        let (seconds, attoseconds) = duration.components
        let nanoseconds = UInt64(max(0, seconds)).multipliedReportingOverflow(by: 1_000_000_000)
        let delay = nanoseconds.overflow ? UInt64.max : nanoseconds.partialValue &+ UInt64(max(0, attoseconds) / 1_000_000_000)
        scheduler.arm(self, id: id, after: delay)
    }

    /// Called by the scheduler when the time has passed: aborts the socket unless disarmed.
    func fire() {
        let fire = fired.withLock { state -> Bool in
            guard state == false else { return false }
            state = true
            return true
        }
        if fire { socket.abort(error) }
    }

    /// Stops the timer; `true` when it had already fired.
    @discardableResult
    func disarm() -> Bool {
        let alreadyFired = fired.withLock { state -> Bool in
            if state == true { return true }
            state = nil
            return false
        }
        scheduler.cancel(id)
        return alreadyFired
    }

    deinit {
        scheduler.cancel(id)
    }
}
