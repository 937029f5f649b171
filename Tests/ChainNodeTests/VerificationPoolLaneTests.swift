import Dispatch
import Synchronization
import Testing

@testable import ChainNode

/// A block being imported is verified ahead of queued transaction admission (issue 14's
/// propagation: a follower's block checks waited behind ~100 ms of gossiped transactions).
@Suite struct VerificationPoolLaneTests {
    @Test func blockWorkRunsBeforeAdmissionWorkQueuedEarlier() async {
        let pool = VerificationPool(threads: 1, nice: 0)
        final class Order: Sendable { let names = Mutex<[String]>([]) }
        let order = Order()
        let gate = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        // Occupy the only thread until everything else is queued.
        let blocker = Task { await pool.perform(chunks: 1) { _ in started.signal(); gate.wait() } }
        started.wait()
        let admission = Task { await pool.perform(chunks: 3, lane: .admission) { chunk in order.names.withLock { $0.append("tx\(chunk)") } } }
        // Let the admission chunks reach the queue before the block's.
        while true {
            try? await Task.sleep(for: .milliseconds(5))
            if pool.queuedForTesting.admission == 3 { break }
        }
        let block = Task { await pool.perform(chunks: 2, lane: .block) { chunk in order.names.withLock { $0.append("block\(chunk)") } } }
        while pool.queuedForTesting.block < 2 { try? await Task.sleep(for: .milliseconds(5)) }
        gate.signal()
        await blocker.value
        await block.value
        await admission.value
        #expect(order.names.withLock { $0 } == ["block0", "block1", "tx0", "tx1", "tx2"])
    }
}
