import Foundation
import JSON
import ServiceRuntime
import TestSupport
import Testing
import WireModels

@testable import Miner

/// A job the coordinator names in the heartbeat answer's `stop_jobs` (a client canceled it) is
/// stopped on the miner at once: killed, not reported, its slot free for the next job.
@Suite(.serialized) struct AgentStopTests {
    @Test func aCanceledRunningJobIsKilledUnreportedAndItsSlotTakesTheNextJob() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let sandbox = try ExecutionSandbox()
        let executor = try JobExecutor(settings: sandbox.settings())
        // One slot: the next job can only run once the stopped one has left it.
        let harness = try AgentHarness(mock: mock, executor: executor, flags: ["resources.max_concurrent_cpu": "1"])
        let endless = jid("endless")
        mock.enqueue(endless, payload: ["type": "sleep", "seconds": 1e308])
        let running = harness.start()
        #expect(await eventually { harness.logs.events("job_started").count == 1 })
        #expect(await eventually { mock.read { $0.heartbeats.last?.jobs == [endless] } })

        mock.state.withLock { $0.stopJobs = [endless] }
        mock.enqueue(jid("next"), payload: ["type": "echo", "input": "after"])
        #expect(await eventually { mock.read { $0.results[jid("next")]?.count } == 1 })

        let stopped = harness.logs.events("job_stopped")
        #expect(stopped.count == 1)
        #expect(stopped.first?["job_id"]?.stringValue == endless)
        #expect(stopped.first?["reason"] == "canceled_by_coordinator")
        // Nothing reported for it: the coordinator already settled it (a report would be a 409).
        #expect(mock.read { $0.results[endless] } == nil)
        #expect(mock.read { $0.fails[endless] } == nil)
        #expect(harness.logs.events("job_failed").isEmpty)
        let record = try #require(JobStateStore(root: harness.workspace.url.path).read(jobID: endless))
        #expect(record.state == .stopped)
        #expect(record.pendingReport == nil)
        // No longer held: later heartbeats leave it out.
        #expect(await eventually { mock.read { $0.heartbeats.last?.jobs == [] } })
        #expect(harness.agent.status.inflight == 0)

        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
    }

    /// A report the coordinator could not take yet (deferred) is dropped when the job is
    /// named in `stop_jobs`: no restart sends it again.
    @Test func aDeferredReportOfAStoppedJobIsDropped() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(duration: .milliseconds(1)))
        let job = jid("deferred")
        mock.state.withLock { $0.failingResults = [job] }
        mock.enqueue(job)
        let running = harness.start()
        #expect(await eventually { harness.logs.events("report_deferred").count == 1 })

        mock.state.withLock { $0.stopJobs = [job] }
        #expect(await eventually { harness.logs.events("job_stopped").count == 1 })
        #expect(await eventually { JobStateStore(root: harness.workspace.url.path).read(jobID: job)?.state == .stopped })
        #expect(JobStateStore(root: harness.workspace.url.path).read(jobID: job)?.pendingReport == nil)
        #expect(await eventually { mock.read { $0.heartbeats.last?.jobs == [] } })
        let posts = mock.read { $0.resultPosts }
        try await Task.sleep(for: .milliseconds(300))
        #expect(mock.read { $0.resultPosts } == posts)

        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
    }

    /// `stop_jobs` naming jobs this miner does not hold changes nothing.
    @Test func stopJobsOfOtherJobsAreIgnored() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(duration: .milliseconds(200)))
        mock.enqueue(jid("kept"))
        let running = harness.start()
        #expect(await eventually { harness.logs.events("job_started").count == 1 })
        await harness.agent.stopJobs([jid("someone-else")])
        #expect(await eventually { mock.read { $0.results[jid("kept")]?.count } == 1 })
        #expect(harness.logs.events("job_stopped").isEmpty)
        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
    }
}
