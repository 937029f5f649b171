import Dispatch
import Synchronization

/// Aborts a socket with an error when a duration passes, unless disarmed first.
///
/// `disarm()` and the firing decide under one lock, so exactly one of them wins: when the
/// timer won, the caller must treat the exchange as timed out and not reuse the connection.
///
/// The timer is a Dispatch source on its own serial queue, not a sleeping Task: a timeout must
/// fire even when every thread of Swift's cooperative pool is busy (a loaded service, or a test
/// run full of blocking work), which is exactly when a peer is most likely to stall.
final class Deadline: Sendable {
    let fired = Mutex<Bool?>(false)  // nil once disarmed
    // Created and resumed in init, cancelled in disarm; DispatchSource is thread-safe.
    nonisolated(unsafe) let timer: any DispatchSourceTimer

    private static let queue = DispatchQueue(label: "aitbc.http-client.deadlines")

    init(after duration: Duration, socket: ClientSocket, error: HTTPClientError) {
        timer = DispatchSource.makeTimerSource(queue: Self.queue)
        let (seconds, attoseconds) = duration.components
        let nanoseconds = max(0, seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let delay = nanoseconds.overflow ? Int.max : Int(nanoseconds.partialValue) + Int(attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(delay))
        // Weak: the owner keeps the deadline for the exchange; once it is gone, deinit cancels.
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let fire = self.fired.withLock { state -> Bool in
                guard state == false else { return false }
                state = true
                return true
            }
            if fire { socket.abort(error) }
        }
        timer.resume()
    }

    /// Stops the timer; `true` when it had already fired.
    @discardableResult
    func disarm() -> Bool {
        let alreadyFired = fired.withLock { state -> Bool in
            if state == true { return true }
            state = nil
            return false
        }
        timer.cancel()
        return alreadyFired
    }

    deinit {
        timer.cancel()
    }
}
