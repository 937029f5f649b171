import Dispatch
import FoundationEssentials
import Glibc
import Synchronization

/// Turns SIGTERM and SIGINT into an awaitable event, so `main` can stop accepting, drain and
/// exit 0 instead of dying mid-write. SIGPIPE is ignored: a vanished peer is an I/O error,
/// not a reason to kill the daemon.
public final class ShutdownSignal: Sendable {
    /// Fired signal and waiters; shared with the Dispatch handlers, which must not retain `self`.
    private final class State: Sendable {
        let value = Mutex<(fired: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

        func fire(_ number: Int32) {
            let waiters: [CheckedContinuation<Int32, Never>] = value.withLock { state in
                guard state.fired == nil else { return [] }
                state.fired = number
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume(returning: number) }
        }
    }

    private let state = State()
    // Written once in init and only cancelled in deinit; Dispatch sources are thread-safe.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    /// Installs handlers for `signals` (default SIGTERM = 15 and SIGINT = 2, fixed on Linux).
    public init(signals: [Int32] = [15, 2]) {
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "aitbc.signals")
        let state = self.state
        sources = signals.map { number in
            // The default action would kill the process before the source sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { state.fire(number) }
            source.resume()
            return source
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
    }

    /// Suspends until the first signal arrives and returns its number.
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let ready: Int32? = state.value.withLock { state in
                if let fired = state.fired { return fired }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Behaves as if `number` was received (tests, and an admin "stop" endpoint).
    public func fire(_ number: Int32) {
        state.fire(number)
    }
}
