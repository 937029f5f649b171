import Coordinator
import JSON
import SQLite
import Testing
import WireModels

/// Issue 10 defect 2: one client could stall every miner with jobs no miner matches (the claim
/// scan restarted at the head of the queue and gave up after 1,024 rows), and nothing kept one
/// client from filling the queue. Claims now look at queues per (client, constraints), take
/// clients in turn, and each client has a queued-job quota.
@Suite struct ClaimFairnessTests {
    /// The attack: 1,030 jobs no miner matches, ahead of a job every miner can run — from the
    /// same client (one constraint set, or spread over as many sets as the client may use) and
    /// from another client.
    @Test(arguments: [(false, "client-a"), (false, "client-b"), (true, "client-a"), (true, "client-b")])
    func unmatchableJobsAheadDoNotStallMiners(distinctConstraints: Bool, normalClient: String) async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("cpu", concurrency: 4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<1_030 {
                let gpu = distinctConstraints ? "no-such-gpu-\(index % (harness.configuration.maxConstraintSetsPerClient - 1))" : "no-such-gpu"
                group.addTask { _ = try await harness.submit("client-a", constraints: JobConstraints(gpu: gpu)) }
            }
            try await group.waitForAll()
        }
        harness.clock.advance(milliseconds: 1)
        let normal = try await harness.submit(normalClient)
        #expect(try await harness.store.claimNextJob(minerID: "cpu")?.jobID == normal.id)
        #expect(try await harness.store.claimNextJob(minerID: "cpu") == nil)
        try await expectQueueCountersMatch(harness)
    }

    /// Round-robin between clients: a client with a deep queue gets one job in turn with the
    /// others, not all of its jobs first; within a client, oldest first.
    @Test func clientsTakeTurns() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 64)
        var deep: [String] = []
        for _ in 0..<5 {
            deep.append(try await harness.submit("client-a").id)
            harness.clock.advance(milliseconds: 1)
        }
        var shallow: [String] = []
        for _ in 0..<2 {
            shallow.append(try await harness.submit("client-b").id)
            harness.clock.advance(milliseconds: 1)
        }
        var order: [String] = []
        while let job = try await harness.store.claimNextJob(minerID: "miner-1") { order.append(job.jobID) }
        #expect(order == [deep[0], shallow[0], deep[1], shallow[1], deep[2], deep[3], deep[4]])
    }

    /// Within one client, jobs of several constraint sets still come oldest first.
    @Test func oneClientsQueuesAreServedOldestFirst() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("gpu", capabilities: CoordinatorHarness.gpuCapabilities, concurrency: 64)
        let first = try await harness.submit(constraints: JobConstraints(gpu: "A100"))
        let second = try await harness.submit()
        let third = try await harness.submit(constraints: JobConstraints(gpu: "A100"))
        var order: [String] = []
        while let job = try await harness.store.claimNextJob(minerID: "gpu") { order.append(job.jobID) }
        #expect(order == [first.id, second.id, third.id])
    }

    /// `MAX_QUEUED_JOBS_PER_CLIENT`: the next submit answers 429 `QUOTA_EXCEEDED`; other clients
    /// are not affected; an assignment or a cancel frees a place; a replay is still answered.
    @Test func queuedJobQuotaPerClient() async throws {
        let harness = try await CoordinatorHarness.make { $0.maxQueuedJobsPerClient = 3 }
        try await harness.register("miner-1")
        let first = try await harness.submit(key: "k1")
        _ = try await harness.submit()
        let third = try await harness.submit()
        await #expect(throws: CoordinatorError.queueQuotaExceeded(limit: 3)) { try await harness.submit() }
        #expect(CoordinatorError.queueQuotaExceeded(limit: 3).httpStatus == 429)
        #expect(CoordinatorError.queueQuotaExceeded(limit: 3).code == "QUOTA_EXCEEDED")
        // The same request again is a replay, not a new job.
        #expect(try await harness.submit(key: "k1").id == first.id)
        _ = try await harness.submit("client-b")
        #expect(try await harness.store.claimNextJob(minerID: "miner-1")?.jobID == first.id)
        let fourth = try await harness.submit()
        await #expect(throws: CoordinatorError.queueQuotaExceeded(limit: 3)) { try await harness.submit() }
        _ = try await harness.store.cancel(jobID: third.id, clientID: "client-a")
        _ = try await harness.submit()
        #expect(fourth.state == .queued)
        try await expectQueueCountersMatch(harness)
    }

    /// `MAX_CONSTRAINT_SETS_PER_CLIENT`: a claim reads every non-empty constraint set, so one
    /// client cannot spread its jobs over more sets than this (the variant of the attack with a
    /// different constraint set per job); more jobs in a set it already has are fine.
    @Test func constraintSetQuotaPerClient() async throws {
        let harness = try await CoordinatorHarness.make { $0.maxConstraintSetsPerClient = 3 }
        try await harness.register("cpu", concurrency: 8)
        for index in 0..<3 { _ = try await harness.submit(constraints: JobConstraints(gpu: "g\(index)")) }
        await #expect(throws: CoordinatorError.constraintSetQuotaExceeded(limit: 3)) {
            try await harness.submit(constraints: JobConstraints(gpu: "g3"))
        }
        await #expect(throws: CoordinatorError.constraintSetQuotaExceeded(limit: 3)) { try await harness.submit() }
        _ = try await harness.submit(constraints: JobConstraints(gpu: "g0"))
        _ = try await harness.submit("client-b")
        let error = CoordinatorError.constraintSetQuotaExceeded(limit: 3)
        #expect(error.httpStatus == 429 && error.code == "QUOTA_EXCEEDED")
        // A set whose jobs are all gone no longer counts.
        let head = try await harness.store.job(id: try await harness.submit("client-c").id, clientID: nil)
        _ = try await harness.store.cancel(jobID: head.id, clientID: "client-c")
        try await expectQueueCountersMatch(harness)
    }

    /// The counters behind the claim and the quota follow every transition into and out of
    /// QUEUED: assignment, completion, failure, cancel, expiry, requeue by the sweeper.
    @Test func queueCountersFollowEveryTransition() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 8)
        for index in 0..<12 {
            _ = try await harness.submit(index % 2 == 0 ? "client-a" : "client-b", ttl: index < 2 ? 1 : 600)
        }
        harness.clock.advance(seconds: 2)
        var claimed: [String] = []
        while let job = try await harness.store.claimNextJob(minerID: "miner-1") { claimed.append(job.jobID) }
        #expect(claimed.count == 8)
        try await expectQueueCountersMatch(harness)
        _ = try await harness.store.complete(jobID: claimed[0], minerID: "miner-1", result: .object([]))
        try await harness.store.fail(jobID: claimed[1], minerID: "miner-1", errorCode: "E", errorMessage: "m")
        _ = try await harness.store.cancel(jobID: claimed[2], clientID: try await harness.store.job(id: claimed[2], clientID: nil).clientID)
        try await expectQueueCountersMatch(harness)
        // The miner goes silent: its RUNNING jobs go back to their queues.
        harness.clock.advance(seconds: Int64(harness.configuration.heartbeatTimeoutSeconds) + 1)
        #expect(try await harness.store.sweep().requeuedJobs == 5)
        try await expectQueueCountersMatch(harness)
        let queued: Int = try await harness.count("job", where: "state = 'QUEUED'")
        let counted: Int = try await harness.store.database.read { db in
            try db.queryOne("SELECT SUM(queued) FROM job_queue")?.get(0) ?? -1
        }
        #expect(queued == 7 && counted == 7)
    }

    /// The claim's statements stay on their indexes: non-empty queues through the partial
    /// index, each queue's head through `job_queue_head` without a sort.
    @Test func claimQueriesUseTheirIndexes() async throws {
        let harness = try await CoordinatorHarness.make()
        let plans: [[String]] = try await harness.store.database.read { db in
            [
                try db.query(
                    "EXPLAIN QUERY PLAN SELECT id, client_id, constraints FROM job_queue INDEXED BY job_queue_nonempty WHERE queued > 0"
                ).map { try $0.get("detail") },
                try db.query(
                    "EXPLAIN QUERY PLAN SELECT seq, id, expires_at FROM job WHERE queue_id = ? AND state = 'QUEUED' ORDER BY seq LIMIT 1",
                    [1]
                ).map { try $0.get("detail") },
                try db.query(
                    "EXPLAIN QUERY PLAN SELECT COALESCE(SUM(queued), 0) FROM job_queue WHERE client_id = ? AND queued > 0", ["c"]
                ).map { try $0.get("detail") },
            ]
        }
        #expect(plans[0].contains { $0.contains("job_queue_nonempty") }, "\(plans[0])")
        #expect(plans[1].contains { $0.contains("job_queue_head") }, "\(plans[1])")
        #expect(!plans[1].contains { $0.contains("TEMP B-TREE") }, "\(plans[1])")
        #expect(plans[2].contains { $0.contains("job_queue_nonempty") }, "\(plans[2])")
    }

    /// Every queue's counter equals the number of its QUEUED jobs.
    func expectQueueCountersMatch(_ harness: CoordinatorHarness, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let mismatches: Int = try await harness.store.database.read { db in
            try db.queryOne(
                """
                SELECT COUNT(*) FROM job_queue q
                WHERE q.queued != (SELECT COUNT(*) FROM job WHERE job.queue_id = q.id AND job.state = 'QUEUED')
                """)?.get(0) ?? -1
        }
        #expect(mismatches == 0, sourceLocation: sourceLocation)
        let orphans: Int = try await harness.count("job", where: "state = 'QUEUED' AND queue_id IS NULL")
        #expect(orphans == 0, sourceLocation: sourceLocation)
    }
}
