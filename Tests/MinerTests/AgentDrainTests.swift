import Foundation
import ServiceRuntime
import Synchronization
import Testing

@testable import Miner

@Suite("Agent: drain takes no job (issue #10)")
struct AgentDrainTests {
    // Issue #10 (9a): a long-poll in flight at SIGTERM used to return a job up to
    // poll.max_wait_s later, and the draining miner ran it.
    @Test("SIGTERM closes an in-flight long-poll: the miner exits at once and never runs the job it would have returned")
    func drainCancelsInFlightPoll() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        mock.state.withLock { $0.pollHold = .seconds(4) }
        mock.enqueue("late-job")
        let executor = ProbeExecutor()
        let harness = try AgentHarness(mock: mock, executor: executor, flags: ["poll.max_wait_s": "10"])
        let run = harness.start()
        #expect(await eventually { mock.read { $0.pollsArrived } > 0 })
        let clock = ContinuousClock()
        let start = clock.now
        harness.shutdown.fire(15)
        #expect(await run.value == .drained)
        #expect(clock.now - start < .seconds(3))
        #expect(executor.started.withLock { $0 }.isEmpty)
        // The coordinator's side: no heartbeat ever listed the job, so it is requeued.
        #expect(mock.read { $0.heartbeats.allSatisfy { !($0.jobs ?? []).contains("late-job") } })
        await mock.stop()
    }
}
