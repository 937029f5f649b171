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
        var report = try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: [held]))
        #expect(report == SweepReport())
        #expect(try await harness.store.job(id: lost, clientID: nil).state == .running)

        harness.clock.advance(seconds: 31)
        let fresh = try await harness.running(miner: "miner-1")
        report = try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(reportedInflight: 1, heldJobs: [held]))
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
        #expect(try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat()) == SweepReport())
        #expect(try await harness.store.job(id: job, clientID: nil).state == .running)
    }

    @Test func aJobAtItsAttemptLimitFailsInsteadOfRequeueing() async throws {
        let harness = try await CoordinatorHarness.make { $0.maxAttempts = 1 }
        try await harness.register("miner-1")
        let job = try await harness.running(miner: "miner-1")
        harness.clock.advance(seconds: 31)
        let report = try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(heldJobs: []))
        #expect(report.failedJobs == 1)
        let failed = try await harness.store.job(id: job, clientID: nil)
        #expect(failed.state == .failed)
        #expect(failed.error == "requeue limit")
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
