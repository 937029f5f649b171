import Dispatch
import Glibc
import Synchronization

/// One thread of our own that runs submitted jobs in order: a connection's blocking libpq calls.
///
/// Not a DispatchQueue: on Linux Dispatch's worker threads are few and do not grow for work
/// blocked in poll(2), so two connections waiting on each other's row locks could starve the
/// queue that would run the COMMIT that frees them. A thread per connection cannot.
final class WorkerThread: Sendable {
    private struct State {
        /// Queued jobs; a connection has at most a few (one per statement in flight).
        var jobs: [@Sendable () -> Void] = []
        var stopping = false
    }

    private let state = Mutex(State())
    /// Counts queued jobs (plus one wake-up for stop).
    private let ready = DispatchSemaphore(value: 0)

    /// Starts the thread.
    /// - Throws: `PostgresError` when the system cannot create a thread.
    init() throws(PostgresError) {
        let body = Unmanaged.passRetained(ThreadBody { [self] in self.loop() })
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                Unmanaged<ThreadBody>.fromOpaque(argument).takeRetainedValue().run()
                return nil
            }, body.toOpaque())
        guard rc == 0 else {
            body.release()
            throw PostgresError(kind: .connectionFailed, message: "could not start a connection thread: \(String(cString: strerror(rc)))")
        }
        pthread_detach(thread)
    }

    /// Queues `job`; false when the thread has been stopped (the job is not run).
    @discardableResult
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = state.withLock { state in
            guard !state.stopping else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { ready.signal() }
        return accepted
    }

    /// Lets queued jobs finish, then ends the thread.
    func stop() {
        let first = state.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        if first { ready.signal() }
    }

    /// Runs jobs until stopped and drained. The closure that starts it holds `self`, so the
    /// thread keeps the worker alive until the loop ends.
    private func loop() {
        while true {
            ready.wait()
            // Removed from the queue before it runs, so a finished job (and the connection and
            // continuation it captured) is released at once.
            let job: (@Sendable () -> Void)? = state.withLock { state in
                state.jobs.isEmpty ? nil : state.jobs.removeFirst()
            }
            if let job {
                job()
            } else if state.withLock({ $0.stopping && $0.jobs.isEmpty }) {
                return
            }
        }
    }
}

/// The closure a new thread runs, boxed for pthread_create's context pointer.
private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
