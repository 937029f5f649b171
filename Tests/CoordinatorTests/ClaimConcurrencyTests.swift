import Coordinator
import JSON
import SQLite
import Testing
import WireModels

@Suite struct ClaimConcurrencyTests {
    /// Spec §11 weakness 4: 32 concurrent claimers — every job claimed exactly once and no
    /// miner above its concurrency.
    @Test func thirtyTwoClaimersNeverShareAJob() async throws {
        let harness = try await CoordinatorHarness.make()
        let minerCount = 32
        let jobCount = 200
        for index in 0..<minerCount {
            try await harness.register("miner-\(index)", concurrency: 1 + index % 3)
        }
        var jobIDs = Set<String>()
        for index in 0..<jobCount { jobIDs.insert(try await harness.submit(payload: ["n": .integer(JSONInteger(index))]).id) }
        let store = harness.store
        let claims = try await withThrowingTaskGroup(of: [(String, String)].self) { group in
            for index in 0..<minerCount {
                group.addTask {
                    let minerID = "miner-\(index)"
                    var mine: [(String, String)] = []
                    var held: [String] = []
                    while true {
                        if let job = try await store.claimNextJob(minerID: minerID) {
                            mine.append((minerID, job.jobID))
                            held.append(job.jobID)
                            let miner = try await store.miner(id: minerID)
                            #expect((miner?.inflight ?? 0) <= (miner?.concurrency ?? 0))
                            continue
                        }
                        // At capacity (or queue empty): finish the oldest held job, then retry.
                        guard !held.isEmpty else { break }
                        let done = held.removeFirst()
                        _ = try await store.complete(jobID: done, minerID: minerID, result: ["by": .string(minerID)])
                    }
                    for jobID in held { _ = try await store.complete(jobID: jobID, minerID: minerID, result: .object([])) }
                    return mine
                }
            }
            var all: [(String, String)] = []
            for try await part in group { all.append(contentsOf: part) }
            return all
        }
        #expect(claims.count == jobCount)
        #expect(Set(claims.map(\.1)) == jobIDs)
        #expect(try await harness.count("job", where: "state = 'COMPLETED'") == jobCount)
        #expect(try await harness.count("jobreceipt") == jobCount)
        #expect(try await harness.count("miner", where: "inflight <> 0") == 0)
        #expect(try await harness.count("job_event", where: "to_state = 'RUNNING'") == jobCount)
    }

    /// A miner retrying its result while the first attempt is in flight: one receipt stored,
    /// every caller gets that receipt.
    @Test func concurrentIdenticalResultsStoreOneReceipt() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        let store = harness.store
        let outcomes = try await withThrowingTaskGroup(of: CompletionOutcome.self) { group in
            for _ in 0..<8 {
                group.addTask { try await store.complete(jobID: jobID, minerID: "miner-1", result: ["same": true]) }
            }
            var all: [CompletionOutcome] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter { !$0.replayed }.count == 1)
        #expect(Set(outcomes.compactMap { $0.receipt?["receipt_id"]?.stringValue }).count == 1)
        #expect(try await harness.count("jobreceipt") == 1)
        #expect(try await harness.store.miner(id: "miner-1")?.jobsCompleted == 1)
    }

    @Test func cancelRacingACompletionLeavesOneOutcome() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 64)
        let store = harness.store
        for _ in 0..<20 {
            let jobID = try await harness.running()
            async let completion: CompletionOutcome? = try? store.complete(jobID: jobID, minerID: "miner-1", result: .object([]))
            async let cancel: JobRecord? = try? store.cancel(jobID: jobID, clientID: "client-a")
            let (completed, canceled) = await (completion, cancel)
            #expect((completed == nil) != (canceled == nil))
            let state = try await store.job(id: jobID, clientID: nil).state
            #expect(state == (completed != nil ? .completed : .canceled))
        }
        #expect(try await harness.store.miner(id: "miner-1")?.inflight == 0)
        let completed = try await harness.count("job", where: "state = 'COMPLETED'")
        #expect(try await harness.count("jobreceipt") == completed)
    }

    @Test func claimRespectsConcurrencyDrainAndFIFO() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 2)
        let first = try await harness.submit()
        harness.clock.advance(milliseconds: 1)
        let second = try await harness.submit()
        let third = try await harness.submit()
        #expect(try await harness.store.claimNextJob(minerID: "miner-1")?.jobID == first.id)
        #expect(try await harness.store.claimNextJob(minerID: "miner-1")?.jobID == second.id)
        #expect(try await harness.store.claimNextJob(minerID: "miner-1") == nil)
        _ = try await harness.store.complete(jobID: first.id, minerID: "miner-1", result: .object([]))
        try await harness.store.drain(minerID: "miner-1")
        #expect(try await harness.store.claimNextJob(minerID: "miner-1") == nil)
        try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(status: .online))
        #expect(try await harness.store.claimNextJob(minerID: "miner-1")?.jobID == third.id)
    }

    @Test func constraintsSkipToTheFirstMatchingJob() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("cpu", concurrency: 64, region: "eu")
        try await harness.register("gpu", capabilities: ["gpus": [["name": "A100", "memory_mb": 40_960]]], region: "eu")
        // More non-matching jobs than one scan page in front of the matching one.
        for _ in 0..<100 { _ = try await harness.submit(constraints: JobConstraints(gpu: "A100")) }
        let plain = try await harness.submit()
        #expect(try await harness.store.claimNextJob(minerID: "cpu")?.jobID == plain.id)
        #expect(try await harness.store.claimNextJob(minerID: "cpu") == nil)
        let claimed = try #require(try await harness.store.claimNextJob(minerID: "gpu"))
        #expect(claimed.constraints.gpu == "A100")
        #expect(claimed.constraints.pollJSON["gpu"] == "A100")
    }

    @Test(arguments: [
        ("SELECT id FROM job INDEXED BY job_queued_expiry WHERE state = 'QUEUED' AND expires_at <= 5 ORDER BY expires_at LIMIT 10", "job_queued_expiry"),
        ("SELECT rowid FROM job WHERE (requested_at, rowid) < (5, 5) ORDER BY requested_at DESC, rowid DESC LIMIT 10", "job_requested"),
        ("SELECT rowid FROM job WHERE state = 'FAILED' ORDER BY requested_at DESC, rowid DESC LIMIT 10", "job_state_requested"),
        ("SELECT id FROM job WHERE assigned_miner_id = 'm' AND state = 'RUNNING'", "job_running_miner"),
        ("SELECT id FROM job WHERE assigned_miner_id = 'm' AND state = 'RUNNING' AND started_at < 5", "job_running_miner"),
        (
            "SELECT rowid FROM jobreceipt WHERE job_seq = (SELECT seq FROM job WHERE id = 'j') AND rowid > 0 ORDER BY rowid LIMIT 10",
            "jobreceipt_job_seq"
        ),
        ("SELECT id FROM job_event WHERE job_seq = (SELECT seq FROM job WHERE id = 'j') ORDER BY id", "job_event_job_seq"),
        ("SELECT payload FROM jobreceipt WHERE jobreceipt.receipt_id = 'r'", "jobreceipt_receipt_id"),
        ("SELECT COALESCE(MAX(seq), 0) + 1 FROM job", "job_seq"),
        ("SELECT seq FROM job WHERE id = 'j'", "sqlite_autoindex_job_1"),
    ])
    func hotQueriesUseIndexes(sql: String, index: String) async throws {
        let harness = try await CoordinatorHarness.make()
        let plan: [String] = try await harness.store.database.read { db in
            try db.query("EXPLAIN QUERY PLAN " + sql).map { try $0.get("detail") }
        }
        #expect(plan.contains { $0.contains(index) }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN job") && !$0.contains("INDEX") }, "\(plan)")
    }
}
