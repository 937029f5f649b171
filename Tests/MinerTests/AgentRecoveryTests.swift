import Foundation
import JSON
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

@testable import Miner

/// The state letter of /proc/<pid>/stat, nil when the process is gone.
private func processState(_ pid: Int32) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    return stat[stat.index(after: close)...].first { $0 != " " }
}

/// The process group of `pid` from /proc, nil when gone.
private func processGroup(_ pid: Int32) -> Int32? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 2 ? Int32(fields[2]) : nil
}

/// A `sleep 60` in a session (and process group) of its own, like an executor's job; its pid.
private func detachedSleep() async throws -> Int32 {
    let scratch = try TemporaryDirectory(prefix: "aitbc-miner-recovery-sleep")
    let shell = try await ChildProcess.run(
        "/bin/sh", ["-c", "setsid sleep 60 </dev/null >/dev/null 2>&1 & echo $!"], environment: TestPaths.baseEnvironment(),
        directory: scratch.url.path)
    let pid = Int32(shell.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    try #require(pid > 1)
    #expect(await eventually { processGroup(pid) == pid })
    return pid
}

@Suite(.serialized) struct AgentRecoveryTests {
    /// spec/miner.md §13.6 / §9: RUNNING with a live process group → group SIGKILLed, E_MINER_RESTART reported.
    @Test func runningJobWithLiveProcessGroupIsKilledAndReportedMinerRestart() async throws {
        let pid = try await detachedSleep()
        defer { kill(pid, SIGKILL) }

        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-recovery")
        let store = JobStateStore(root: workspace.url.path)
        var record = JobStateRecord(jobID: jid("job-crashed"), state: .running, runner: "sleep", startedAt: 1, pid: pid, processGroup: pid)
        let identity = try #require(ProcessIdentity.of(pid: pid))
        record.processIdentity = identity
        try store.write(record)

        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock { $0.assigned = [jid("job-crashed")] }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(), workspace: workspace)
        let running = harness.start()

        #expect(await eventually { mock.read { $0.fails[jid("job-crashed")]?.count } == 1 })
        #expect(mock.read { $0.fails[jid("job-crashed")]?.first?["error_code"]?.stringValue } == "E_MINER_RESTART")
        // Killed: gone, or a zombie waiting for its reaper.
        #expect(await eventually { processState(pid) == nil || processState(pid) == "Z" })
        #expect(await eventually { store.read(jobID: jid("job-crashed"))?.state == .failed })
        harness.shutdown.fire(15)
        _ = await running.value
    }

    /// A recorded group whose number now belongs to another process (pid reuse, a reboot) is
    /// left alone: the leader's boot id and start time must match what was recorded.
    @Test func aReusedProcessGroupNumberIsNotKilled() async throws {
        let pid = try await detachedSleep()
        defer { kill(pid, SIGKILL) }
        let live = try #require(ProcessIdentity.of(pid: pid))
        for stale in [
            ProcessIdentity(bootID: live.bootID, startTicks: live.startTicks - 1),
            ProcessIdentity(bootID: "00000000-0000-0000-0000-000000000000", startTicks: live.startTicks), nil,
        ] {
            #expect(!MinerAgent.killGroup(pid, recorded: stale))
            #expect(kill(pid, 0) == 0, "the unrelated group survives")
        }
        #expect(MinerAgent.killGroup(pid, recorded: live))
    }

    @Test func runningJobWithoutLiveGroupIsReportedMinerRestart() async throws {
        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-recovery")
        let store = JobStateStore(root: workspace.url.path)
        try store.write(JobStateRecord(jobID: jid("job-orphan"), state: .running, runner: "echo", startedAt: 1))
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock { $0.assigned = [jid("job-orphan")] }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(), workspace: workspace)
        let running = harness.start()
        #expect(await eventually { mock.read { $0.fails[jid("job-orphan")]?.first?["error_code"]?.stringValue } == "E_MINER_RESTART" })
        // Sent before any poll: a recovered report must not meet a new assignment of the job.
        #expect(mock.read { $0.pollsBeforeFails[jid("job-orphan")] } == [0])
        harness.shutdown.fire(15)
        _ = await running.value
    }

    /// A persisted REPORTING result is re-sent after restart, exactly once.
    @Test func reportingJobReportIsResentExactlyOnce() async throws {
        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-recovery")
        let store = JobStateStore(root: workspace.url.path)
        let report = PendingReport(
            kind: .result,
            body: ["result": ["echo": "persisted"], "metrics": ["duration_ms": 5, "units": 0.005, "unit_type": "cpu_seconds"]])
        try store.write(JobStateRecord(jobID: jid("job-pending"), state: .reporting, runner: "echo", startedAt: 1, attempts: 4, pendingReport: report))
        try store.write(JobStateRecord(jobID: jid("job-finished"), state: .done, runner: "echo", startedAt: 1))

        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock { $0.assigned = [jid("job-pending"), jid("job-finished")] }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(), workspace: workspace)
        let running = harness.start()
        #expect(await eventually { store.read(jobID: jid("job-pending"))?.state == .done })
        try await Task.sleep(for: .milliseconds(300))
        harness.shutdown.fire(15)
        _ = await running.value
        #expect(mock.read { $0.resultPosts } == 1)
        #expect(mock.read { $0.results[jid("job-pending")] } == [report.body])
        #expect(mock.read { $0.results[jid("job-finished")] } == nil)
        #expect(mock.read { $0.fails.isEmpty })
    }

    /// A report the coordinator keeps refusing with 5xx is abandoned after
    /// `MinerAgent.maxReportAttempts` attempts in all, so the job stops being held forever.
    @Test func aReportRefusedForeverIsAbandonedAtTheAttemptCap() async throws {
        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-recovery")
        let store = JobStateStore(root: workspace.url.path)
        let report = PendingReport(kind: .result, body: ["result": ["echo": "x"], "metrics": ["duration_ms": 1]])
        try store.write(
            JobStateRecord(
                jobID: jid("job-stuck"), state: .reporting, runner: "echo", startedAt: 1, attempts: MinerAgent.maxReportAttempts - 1,
                pendingReport: report))
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock {
            $0.assigned = [jid("job-stuck")]
            $0.failingResults = [jid("job-stuck")]
        }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(), workspace: workspace)
        let running = harness.start()
        #expect(await eventually { store.read(jobID: jid("job-stuck"))?.state == .abandoned })
        #expect(store.read(jobID: jid("job-stuck"))?.pendingReport == nil)
        harness.shutdown.fire(15)
        _ = await running.value
        #expect(mock.read { $0.resultPosts } == 1)
    }
}
