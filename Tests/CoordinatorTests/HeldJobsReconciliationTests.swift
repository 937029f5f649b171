import Coordinator
import JSON
import Testing
import WireModels

/// A heartbeat's `jobs` list: RUNNING jobs the miner no longer holds (a poll response lost
/// when the coordinator died mid-answer, a job forgotten in a miner crash) go back to the
/// queue instead of staying RUNNING while the miner keeps heartbeating.
@Suite struct HeldJobsReconciliationTests {
    @Test func aLostAssignmentIsRequeuedOnceOlderThanTheHeartbeatTimeout() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 3)
        let lost = try await harness.running(miner: "miner-1")
        let held = try await harness.running(miner: "miner-1")
        // Younger than HEARTBEAT_TIMEOUT_SECONDS (30 s): the poll answer may still be on its way.
        var report = try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: [held])).released
        #expect(report == SweepReport())
        #expect(try await harness.store.job(id: lost, clientID: nil).state == .running)

        harness.clock.advance(seconds: 31)
        let fresh = try await harness.running(miner: "miner-1")
        report = try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(reportedInflight: 1, heldJobs: [held])).released
        #expect(report.requeuedJobs == 1)
        let requeued = try await harness.store.job(id: lost, clientID: nil)
        #expect(requeued.state == .queued)
        #expect(requeued.assignedMinerID == nil)
        #expect(try await harness.store.job(id: held, clientID: nil).state == .running)
        #expect(try await harness.store.job(id: fresh, clientID: nil).state == .running)
        // The coordinator's own count drops with it: two jobs still assigned.
        #expect(try await harness.store.miner(id: "miner-1")?.inflight == 2)
        // Another miner can now take the job.
        try await harness.register("miner-2")
        #expect(try await harness.store.claimNextJob(minerID: "miner-2")?.jobID == lost)
    }

    @Test func withoutAJobsListNothingIsReleased() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let job = try await harness.running(miner: "miner-1")
        harness.clock.advance(seconds: 120)
        #expect(try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat()) == HeartbeatOutcome())
        #expect(try await harness.store.job(id: job, clientID: nil).state == .running)
    }

    @Test func aJobAtItsAttemptLimitFailsInsteadOfRequeueing() async throws {
        let harness = try await CoordinatorHarness.make { $0.maxAttempts = 1 }
        try await harness.register("miner-1")
        let job = try await harness.running(miner: "miner-1")
        harness.clock.advance(seconds: 31)
        let report = try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: [])).released
        #expect(report.failedJobs == 1)
        let failed = try await harness.store.job(id: job, clientID: nil)
        #expect(failed.state == .failed)
        #expect(failed.error == "requeue limit")
    }

    /// The answer's `stop_jobs`: held jobs no longer RUNNING on this miner (issue: a canceled
    /// job kept running on its miner until its time limit).
    @Test func aCanceledHeldJobIsNamedForStoppingAndARunningOneIsNot() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 3)
        let canceled = try await harness.running(miner: "miner-1")
        // Finished on the miner, its report not delivered yet: still RUNNING here, so kept.
        let reporting = try await harness.running(miner: "miner-1")
        _ = try await harness.store.cancel(jobID: canceled, clientID: "client-a")
        let outcome = try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: [canceled, reporting]))
        #expect(outcome.stopJobs == [canceled])
        #expect(outcome.released == SweepReport())
        #expect(try await harness.store.job(id: reporting, clientID: nil).state == .running)
        // A miner sending no `jobs` list is told nothing.
        #expect(try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat()).stopJobs == [])
        // Once the miner dropped it, it is not named again.
        #expect(try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: [reporting])).stopJobs == [])
    }

    @Test func aJobThisMinerCompletedIsNeverNamedButOneFinishedElsewhereIs() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 2)
        let done = try await harness.running(miner: "miner-1")
        let moved = try await harness.running(miner: "miner-1")
        _ = try await harness.store.complete(jobID: done, minerID: "miner-1", result: ["ok": true])
        // `moved` was given up (not listed past the heartbeat timeout) and another miner took it.
        harness.clock.advance(seconds: 31)
        #expect(try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: [done])).released.requeuedJobs == 1)
        try await harness.register("miner-2")
        #expect(try await harness.store.claimNextJob(minerID: "miner-2")?.jobID == moved)
        // The miner still lists both (its result report raced the heartbeat; a stale job).
        let outcome = try await harness.store.heartbeat(
            minerID: "miner-1", MinerHeartbeat(heldJobs: [done, moved, "0123456789abcdef0123456789abcdef"]))
        // Never the completed one (its report must not be dropped), never an unknown id.
        #expect(outcome.stopJobs == [moved])
        _ = try await harness.store.complete(jobID: moved, minerID: "miner-2", result: ["ok": true])
        #expect(try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: [done, moved])).stopJobs == [moved])
        #expect(try await harness.store.heartbeat(minerID: "miner-2", MinerHeartbeat(heldJobs: [moved])).stopJobs == [])
    }

    @Test func aHeldJobTheCoordinatorFailedIsNamed() async throws {
        let harness = try await CoordinatorHarness.make { $0.maxAttempts = 1 }
        try await harness.register("miner-1")
        let job = try await harness.running(miner: "miner-1")
        harness.clock.advance(seconds: 31)
        // Left out past the heartbeat timeout at its attempt limit: FAILED by the coordinator.
        #expect(try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: [])).released.failedJobs == 1)
        #expect(try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: [job])).stopJobs == [job])
    }

    @Test func theJobsListIsValidated() throws {
        #expect(throws: WireDecodingError.self) { _ = try HeartbeatRequest(json: ["jobs": "abc"]) }
        #expect(throws: WireDecodingError.self) { _ = try HeartbeatRequest(json: ["jobs": [1]]) }
        #expect(throws: WireDecodingError.self) {
            _ = try HeartbeatRequest(json: ["jobs": .array(Array(repeating: "a", count: HeartbeatRequest.maxHeldJobs + 1))])
        }
        #expect(MinerHeartbeat(try HeartbeatRequest(json: ["jobs": ["a", "b"]])).heldJobs == ["a", "b"])
        #expect(MinerHeartbeat(try HeartbeatRequest(json: [:])).heldJobs == nil)
    }
}
