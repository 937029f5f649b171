import Synchronization

/// Aborts a socket with an error when a duration passes, unless disarmed first.
///
/// `disarm()` and the firing decide under one lock, so exactly one of them wins: when the
/// timer won, the caller must treat the exchange as timed out and not reuse the connection.
final class Deadline: Sendable {
    let fired = Mutex<Bool?>(false)  // nil once disarmed
    let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(after duration: Duration, socket: ClientSocket, error: HTTPClientError) {
        let handle = Task { [self] in
            try? await Task.sleep(for: duration)
            guard !Task.isCancelled else { return }
            let fire = self.fired.withLock { state -> Bool in
                guard state == false else { return false }
                state = true
                return true
            }
            if fire { socket.abort(error) }
        }
        task.withLock { $0 = handle }
    }

    /// Stops the timer; `true` when it had already fired.
    @discardableResult
    func disarm() -> Bool {
        let alreadyFired = fired.withLock { state -> Bool in
            if state == true { return true }
            state = nil
            return false
        }
        task.withLock { $0?.cancel() }
        return alreadyFired
    }
}
