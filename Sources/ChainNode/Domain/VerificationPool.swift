import CLinuxShims
import Dispatch
import Foundation
import Sockets
import Synchronization

/// The threads that verify transaction signatures, one per core, running at a lower
/// scheduling priority (nice +5) than the rest of the node.
///
/// Verification is bulk work: a batch of 1,000 transfers is ~50 ms of CPU per core. On the
/// shared thread pool it kept the block producer waiting for a thread, and at equal priority it
/// took half of a core from the block being executed, so blocks were published up to 300 ms
/// after their time under load (issue 13 target 2). On these threads the kernel runs block
/// production and the RPC first and verification on what is left; throughput is unchanged
/// when nothing else wants the CPU.
final class VerificationPool: Sendable {
    /// The node's pool: `System.coreCount` threads, started on first use.
    static let shared = VerificationPool(threads: System.coreCount, nice: 5)

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let available = DispatchSemaphore(value: 0)

    /// Starts `threads` threads at `nice` (a failed `setpriority` leaves them at the default).
    init(threads: Int, nice: Int32) {
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in
                // Named from inside: a new thread otherwise keeps its creator's name.
                _ = clinux_set_thread_name("chain-verify-\(index)")
                // Linux keeps the nice value per thread, and `who` 0 names the calling thread.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
                while true {
                    available.wait()
                    if let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { job() }
                }
            }
            thread.start()
        }
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the pool; returns when all have run.
    func perform(chunks: Int, _ body: @escaping @Sendable (Int) -> Void) async {
        guard chunks > 0 else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Countdown(chunks)
            jobs.withLock { queue in
                for chunk in 0..<chunks {
                    queue.append {
                        body(chunk)
                        if remaining.finishOne() { continuation.resume() }
                    }
                }
            }
            for _ in 0..<chunks { available.signal() }
        }
    }

    /// Chunks still running; the last one to finish resumes the caller.
    private final class Countdown: Sendable {
        private let left: Atomic<Int>
        init(_ count: Int) { left = Atomic(count) }
        /// Whether this was the last one.
        func finishOne() -> Bool { left.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
    }
}
