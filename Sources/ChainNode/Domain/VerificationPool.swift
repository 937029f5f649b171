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
///
/// Two lanes: blocks being imported go ahead of transaction admission. A follower admitting
/// 2,000 gossiped transactions a second has ~100 ms of verification queued at any time; a block
/// whose checks waited behind it reached the follower's chain that much later (issue 14's
/// propagation target), although its own work — mostly transactions the mempool already
/// verified — is a few milliseconds.
final class VerificationPool: Sendable {
    /// Which lane a batch of work joins.
    enum Lane: Sendable {
        /// Blocks being imported: taken before any admission work.
        case block
        /// Transactions being admitted.
        case admission
    }

    private struct Queues {
        var block: [@Sendable () -> Void] = []
        var admission: [@Sendable () -> Void] = []
        var blockHead = 0
        var admissionHead = 0

        /// The next job, block lane first (FIFO within a lane; heads advance instead of
        /// removing from the front, and the arrays are reset once drained).
        mutating func next() -> (@Sendable () -> Void)? {
            if blockHead < block.count {
                defer {
                    blockHead += 1
                    if blockHead == block.count { block.removeAll(keepingCapacity: true); blockHead = 0 }
                }
                return block[blockHead]
            }
            if admissionHead < admission.count {
                defer {
                    admissionHead += 1
                    if admissionHead == admission.count { admission.removeAll(keepingCapacity: true); admissionHead = 0 }
                }
                return admission[admissionHead]
            }
            return nil
        }
    }

    /// The node's pool: `System.coreCount` threads, started on first use.
    static let shared = VerificationPool(threads: System.coreCount, nice: 5)

    private let jobs = Mutex(Queues())
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
                    if let job = jobs.withLock({ $0.next() }) { job() }
                }
            }
            thread.start()
        }
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the pool, in `lane`; returns when all have run.
    func perform(chunks: Int, lane: Lane = .admission, _ body: @escaping @Sendable (Int) -> Void) async {
        guard chunks > 0 else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Countdown(chunks)
            jobs.withLock { queues in
                for chunk in 0..<chunks {
                    let job: @Sendable () -> Void = {
                        body(chunk)
                        if remaining.finishOne() { continuation.resume() }
                    }
                    switch lane {
                    case .block: queues.block.append(job)
                    case .admission: queues.admission.append(job)
                    }
                }
            }
            for _ in 0..<chunks { available.signal() }
        }
    }

    /// Jobs waiting in each lane (tests).
    var queuedForTesting: (block: Int, admission: Int) {
        jobs.withLock { ($0.block.count - $0.blockHead, $0.admission.count - $0.admissionHead) }
    }

    /// Chunks still running; the last one to finish resumes the caller.
    private final class Countdown: Sendable {
        private let left: Atomic<Int>
        init(_ count: Int) { left = Atomic(count) }
        /// Whether this was the last one.
        func finishOne() -> Bool { left.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
    }
}
