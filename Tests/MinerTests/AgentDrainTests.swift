import Foundation
import HTTP1
import JSON
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
        // The poll is held 20 s: exiting well before that (10 s allows for a loaded machine —
        // 3 s flaked beside a full parallel run) shows the poll was closed, not waited out.
        mock.state.withLock { $0.pollHold = .seconds(20) }
        mock.enqueue(jid("late-job"))
        let executor = ProbeExecutor()
        let harness = try AgentHarness(mock: mock, executor: executor, flags: ["poll.max_wait_s": "30"])
        let run = harness.start()
        #expect(await eventually { mock.read { $0.pollsArrived } > 0 })
        let clock = ContinuousClock()
        let start = clock.now
        harness.shutdown.fire(15)
        #expect(await run.value == .drained)
        #expect(clock.now - start < .seconds(10))
        #expect(executor.started.withLock { $0 }.isEmpty)
        // The coordinator's side: no heartbeat ever listed the job, so it is requeued.
        #expect(mock.read { $0.heartbeats.allSatisfy { !($0.jobs ?? []).contains(jid("late-job")) } })
        await mock.stop()
    }

    // A new user's drain: the coordinator held the closed long-poll (CLOSE-WAIT) and assigned
    // the next job to the exited miner. The miner now posts /v1/miners/drain while its poll is
    // still open, and only then closes it.
    @Test("SIGTERM posts /v1/miners/drain before the in-flight poll is cancelled")
    func drainIsAnnouncedBeforeThePollIsCancelled() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        mock.state.withLock { $0.pollHold = .seconds(4) }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(), flags: ["poll.max_wait_s": "10"])
        let pollsOpenAtDrain = Mutex<Int?>(nil)
        mock.state.withLock { [agent = harness.agent] state in
            state.onDrain = { pollsOpenAtDrain.withLock { $0 = agent.state.withLock { $0.polls.count } } }
        }
        let run = harness.start()
        #expect(await eventually { mock.read { $0.pollsArrived } > 0 })
        harness.shutdown.fire(15)
        #expect(await run.value == .drained)
        #expect(mock.read { $0.drains } == 1)
        #expect(pollsOpenAtDrain.withLock { $0 } == 1)
        #expect(harness.logs.events("drain_announced").first?["via"]?.stringValue == "drain")
        let events = harness.logs.all.compactMap { try? JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse($0)["event"]?.stringValue }
        let announced = try #require(events.firstIndex(of: "drain_announced"))
        let draining = try #require(events.firstIndex(of: "draining"))
        #expect(announced < draining)
        await mock.stop()
    }

    @Test("A coordinator that refuses the drain call gets a DRAINING heartbeat before the poll is cancelled")
    func drainFallsBackToADrainingHeartbeat() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        mock.state.withLock {
            $0.pollHold = .seconds(4)
            $0.drainAnswer = .notFound
        }
        let harness = try AgentHarness(
            mock: mock, executor: ProbeExecutor(), flags: ["poll.max_wait_s": "10", "heartbeat.interval_s": "30"])
        let run = harness.start()
        #expect(await eventually { mock.read { $0.pollsArrived } > 0 })
        let heartbeatsBefore = mock.read { $0.heartbeats.count }
        harness.shutdown.fire(15)
        #expect(await run.value == .drained)
        #expect(mock.read { $0.drains } == 1)
        #expect(mock.read { $0.heartbeats.dropFirst(heartbeatsBefore).first?.status } == "DRAINING")
        let announced = try #require(harness.logs.events("drain_announced").first)
        #expect(announced["via"]?.stringValue == "heartbeat")
        #expect(announced["drain_reply"]?.stringValue == "http_404")
        await mock.stop()
    }
}
