import Cryptography
import Foundation
import JSON
import Receipts
import ServiceRuntime
import Synchronization
import TestSupport
import Testing
import WireModels

@testable import Miner

@Suite(.serialized) struct AgentLoopTests {
    /// spec/miner.md §13.1
    @Test func completesRegisterHeartbeatPollExecuteResultAgainstMockCoordinator() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(duration: .milliseconds(30)))
        mock.enqueue(jid("job-1"), payload: ["type": "echo", "input": "hello"])
        let running = harness.start()

        #expect(await eventually { mock.read { !($0.results[jid("job-1")] ?? []).isEmpty && !$0.heartbeats.isEmpty } })
        harness.shutdown.fire(15)
        #expect(await running.value == .drained)

        let (problems, publicKeyHex, capabilities, results) = mock.read { ($0.headerProblems, $0.publicKeyHex, $0.capabilities, $0.results) }
        #expect(problems.isEmpty)
        #expect(publicKeyHex == harness.key.publicKey.hex)
        #expect(capabilities?["runners"] == ["echo", "sleep"])
        #expect(capabilities?["node_id"]?.stringValue == agentTestNodeID)
        let body = try #require(results[jid("job-1")]?.first)
        #expect(body["result"]?["echo"]?["input"]?.stringValue == "hello")
        let metrics = try #require(body["metrics"])
        #expect((metrics["duration_ms"]?.int64Value ?? 0) > 0)
        #expect((metrics["units"]?.doubleValue ?? 0) > 0)
        #expect(metrics["unit_type"]?.stringValue == "cpu_seconds")
        let claim = try #require(body["claim"])
        let signature = try #require(body["claim_signature"])
        let registeredKey = try Ed25519.PublicKey(hex: try #require(publicKeyHex))
        #expect(WorkClaim.isValid(claim: claim, signature: signature, publicKey: registeredKey))
        let parsedClaim = try #require(WorkClaim(json: claim))
        #expect(parsedClaim.minerID == agentTestNodeID)
        #expect(parsedClaim.jobID == jid("job-1"))
        #expect(parsedClaim.resultHash == (try WorkClaim.resultHash(of: try #require(body["result"]))))
        let record = try #require(JobStateStore(root: harness.workspace.url.path).read(jobID: jid("job-1")))
        #expect(record.state == .done)
        #expect(record.pendingReport == nil)
    }

    /// spec/miner.md §13.5 (short intervals): the coordinator stops, the loop keeps running and
    /// backs off within the maximum, re-registers on 404 when it returns, and the result produced
    /// while it was down is delivered exactly once.
    @Test func coordinatorRestartKeepsRunningAndDeliversResultExactlyOnce() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let executor = ProbeExecutor(duration: .milliseconds(1), gated: true)
        let harness = try AgentHarness(mock: mock, executor: executor)
        mock.enqueue(jid("job-down"))
        let running = harness.start()
        #expect(await eventually { executor.started.withLock { $0 } == [jid("job-down")] })

        await mock.stop()
        executor.open()  // the result is produced while the coordinator is down
        #expect(await eventually { harness.logs.events("report_deferred").count == 1 })
        #expect(await eventually { harness.logs.events("heartbeat_failed").count >= 3 })
        #expect(!harness.agent.status.draining)

        // It comes back having lost its state: heartbeat/poll answer 404 until the miner re-registers.
        mock.state.withLock { $0.registered = false }
        try await mock.start()
        #expect(await eventually { mock.read { $0.registerCount } >= 2 })
        #expect(await eventually { mock.read { $0.results[jid("job-down")]?.count } == 1 })
        #expect(await eventually { JobStateStore(root: harness.workspace.url.path).read(jobID: jid("job-down"))?.state == .done })
        // Further rounds send nothing more for a delivered report.
        let posts = mock.read { $0.resultPosts }
        try await Task.sleep(for: .milliseconds(300))
        #expect(mock.read { $0.resultPosts } == posts)
        #expect(mock.read { $0.results[jid("job-down")]?.count } == 1)
        // Polling resumed: a job queued after the return is picked up and delivered.
        mock.enqueue(jid("job-after-return"))
        #expect(await eventually { mock.read { $0.results[jid("job-after-return")]?.count } == 1 })

        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
        // Every logged retry delay stays within the configured maximum (0.05 s).
        let delays = (harness.logs.events("report_retry") + harness.logs.events("register_failed"))
            .compactMap { $0["retry_in_s"]?.stringValue.flatMap(Double.init) }
        #expect(delays.allSatisfy { $0 <= 0.05 + 1e-9 })
    }

    /// spec/miner.md §13.7
    @Test func drainWithRunningJobStopsPollingReportsDrainingAndSubmitsResult() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let executor = ProbeExecutor(duration: .milliseconds(1500))
        let harness = try AgentHarness(mock: mock, executor: executor)
        mock.enqueue(jid("job-drain"))
        let running = harness.start()
        #expect(await eventually { executor.running.withLock { $0 } == 1 })

        mock.state.withLock { $0.markPolls = true }
        harness.shutdown.fire(15)
        #expect(await eventually { mock.read { $0.heartbeats.contains { $0.status == "DRAINING" } } })
        #expect(await running.value == .drained)
        #expect(mock.read { $0.pollsAfterMark } == 0)
        #expect(mock.read { $0.results[jid("job-drain")]?.count } == 1)
        #expect(mock.read { $0.heartbeats.last?.status } == "DRAINING")
    }

    /// Past `drain_timeout_s` the job is cancelled and its E_SHUTDOWN failure is reported.
    @Test func drainTimeoutCancelsJobAndReportsShutdown() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let executor = ProbeExecutor(duration: .seconds(60))
        let harness = try AgentHarness(mock: mock, executor: executor, flags: ["drain_timeout_s": "0.2"])
        mock.enqueue(jid("job-long"))
        let running = harness.start()
        #expect(await eventually { executor.running.withLock { $0 } == 1 })
        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
        #expect(mock.read { $0.fails[jid("job-long")]?.first?["error_code"]?.stringValue } == "E_SHUTDOWN")
        #expect(JobStateStore(root: harness.workspace.url.path).read(jobID: jid("job-long"))?.state == .failed)
    }

    /// spec/miner.md §13.9 (asserted by observed concurrency, not wall time).
    @Test func concurrencyThreeRunsThreeJobsInParallelAndHeartbeatReportsThree() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let executor = ProbeExecutor(duration: .milliseconds(1500))
        let harness = try AgentHarness(
            mock: mock, executor: executor, flags: ["resources.max_concurrent_cpu": "3", "resources.max_concurrent_gpu": "0"])
        for index in 1...3 { mock.enqueue(jid("job-par-\(index)")) }
        let running = harness.start()
        #expect(await eventually { mock.read { $0.results.count } == 3 })
        #expect(executor.maxConcurrent.withLock { $0 } == 3)
        #expect(mock.read { $0.heartbeats.contains { $0.inflight == 3 } })
        // The held-jobs list names the three running jobs, and empties once they are delivered.
        #expect(mock.read { $0.heartbeats.contains { $0.jobs == [jid("job-par-1"), jid("job-par-2"), jid("job-par-3")].sorted() } })
        #expect(await eventually { mock.read { $0.heartbeats.last?.jobs == [] } })
        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
    }

    /// spec/miner.md §13.11
    @Test func logLinesAreJSONWithNodeIDAndJobIDAndNeverTheToken() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor())
        mock.enqueue(jid("job-log"))
        let running = harness.start()
        #expect(await eventually { mock.read { $0.results[jid("job-log")]?.count } == 1 })
        harness.shutdown.fire(15)
        _ = await running.value

        let lines = harness.logs.all
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(!line.contains(agentTestToken))
            let json = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(line)
            #expect(json["node_id"]?.stringValue == agentTestNodeID)
            #expect(json["ts"]?.stringValue?.hasSuffix("Z") == true)
        }
        for event in ["registered", "job_assigned", "job_started", "job_finished"] {
            #expect(!harness.logs.events(event).isEmpty, "missing \(event)")
        }
        for event in ["job_assigned", "job_started", "job_finished", "report_delivered"] {
            #expect(harness.logs.events(event).allSatisfy { $0["job_id"]?.stringValue == jid("job-log") })
        }
    }

    @Test func unauthorizedHeartbeatExitsWithCodeThree() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock { $0.mode = .unauthorized }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor())
        let exit = await harness.start().value
        #expect(exit == .unauthorized)
        #expect(exit.exitCode == 3)
        #expect(!harness.logs.events("unauthorized").isEmpty)
    }

    /// A job id is refused where it enters (WireModels' `JobID` rule): a poll answer naming `..`
    /// is logged as invalid, never run, never written to disk, and cannot be reported (no URL
    /// can name it); the coordinator requeues it since no heartbeat lists it.
    @Test func invalidJobIDIsRefusedWithoutTouchingDisk() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let executor = ProbeExecutor()
        let harness = try AgentHarness(mock: mock, executor: executor)
        // A valid assignment with its id replaced: the shape is WireModels', only the id is bad.
        guard case .object(let members) = WireModels.AssignedJob(jobID: try #require(JobID(jid("x"))), payload: [:], constraints: JobConstraints()).json
        else { return }
        mock.enqueue(raw: .object(members.map { $0.key == "job_id" ? JSONMember(key: "job_id", value: "..") : $0 }))
        let running = harness.start()
        #expect(await eventually { !harness.logs.events("poll_invalid_job").isEmpty })
        harness.shutdown.fire(15)
        _ = await running.value
        #expect(mock.read { $0.fails.isEmpty && $0.resultPosts == 0 })
        #expect(executor.started.withLock { $0 }.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.workspace.url.path).isEmpty)
    }

    @Test func notFoundOnSubmitMarksJobAbandoned() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock { $0.unknownJobs = [jid("job-gone")] }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor())
        mock.enqueue(jid("job-gone"))
        let running = harness.start()
        let store = JobStateStore(root: harness.workspace.url.path)
        #expect(await eventually { store.read(jobID: jid("job-gone"))?.state == .abandoned })
        harness.shutdown.fire(15)
        _ = await running.value
        #expect(mock.read { $0.resultPosts } == 1)
    }

    @Test func malformedPollResponseIsSkippedAndTheLoopContinues() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock { $0.queue.append(["not_a_job": 1]) }
        mock.enqueue(jid("job-after"))
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor())
        let running = harness.start()
        #expect(await eventually { mock.read { $0.results[jid("job-after")]?.count } == 1 })
        #expect(harness.logs.events("poll_invalid_job").count == 1)
        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
    }

    @Test func installedModelsAreAdvertisedAtRegistration() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(), models: { ["qwen2:7b", "llama3:8b"] })
        let running = harness.start()
        #expect(await eventually { mock.read { $0.registerCount } == 1 })
        #expect(mock.read { $0.capabilities?["models"] } == ["llama3:8b", "qwen2:7b"])
        harness.shutdown.fire(15)
        _ = await running.value
    }
}
