import Foundation

/// Runs blocking file work (state.json writes with their fsyncs) one job at a time on a thread
/// of its own, so it never occupies Swift's cooperative pool — on a 2-core host that pool has
/// two threads, and a stalled fsync there would stall heartbeats and polls too.
final class BlockingIOThread: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var running = false

    /// Starts the thread.
    init(name: String) {
        running = true
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the thread and returns its result. After `stop()`, runs it inline.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            condition.lock()
            guard running else {
                condition.unlock()
                continuation.resume(returning: body())
                return
            }
            jobs.append { continuation.resume(returning: body()) }
            condition.signal()
            condition.unlock()
        }
    }

    /// Lets the thread finish the queued jobs and end.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                running = false
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
