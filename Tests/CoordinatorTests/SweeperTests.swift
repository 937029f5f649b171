import Coordinator
import Cryptography
import JSON
import SQLite
import TestSupport
import Testing
import WireModels

@Suite struct SweeperTests {
    @Test func expiresStaleQueuedJobs() async throws {
        let harness = try await CoordinatorHarness.make()
        let short = try await harness.submit(ttl: 10)
        let long = try await harness.submit(ttl: 100)
        harness.clock.advance(seconds: 10)
        let report = try await harness.store.sweep()
        #expect(report.expiredJobs == 1)
        #expect(try await harness.store.job(id: short.id, clientID: nil).state == .expired)
        #expect(try await harness.store.job(id: short.id, clientID: nil).error == "job expired")
        #expect(try await harness.store.job(id: long.id, clientID: nil).state == .queued)
        #expect(try await harness.store.sweep() == SweepReport())
    }

    @Test func silentMinerGoesOfflineAndItsJobsRequeue() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 2)
        try await harness.register("miner-2")
        let a = try await harness.running(miner: "miner-1")
        let b = try await harness.running(miner: "miner-1")
        harness.clock.advance(seconds: 20)
        try await harness.store.heartbeat(minerID: "miner-2", MinerHeartbeat())
        harness.clock.advance(seconds: 11)  // miner-1: 31 s silent; miner-2: 11 s
        let report = try await harness.store.sweep()
        #expect(report.offlineMiners == 1)
        #expect(report.requeuedJobs == 2)
        let miner = try #require(try await harness.store.miner(id: "miner-1"))
        #expect(miner.status == .offline)
        #expect(miner.inflight == 0)
        #expect(try await harness.store.miner(id: "miner-2")?.status == .online)
        for id in [a, b] {
            let job = try await harness.store.job(id: id, clientID: nil)
            #expect(job.state == .queued)
            #expect(job.assignedMinerID == nil)
            #expect(job.attempts == 1)
        }
        // The vanished miner's late result is refused; another miner takes the job.
        await #expect(throws: CoordinatorError.self) {
            try await harness.store.complete(jobID: a, minerID: "miner-1", result: .object([]))
        }
        #expect(try await harness.store.claimNextJob(minerID: "miner-2")?.jobID == a)
        #expect(try await harness.store.claimNextJob(minerID: "miner-1") == nil)
    }

    @Test func requeueLimitFailsTheJob() async throws {
        let harness = try await CoordinatorHarness.make { $0.maxAttempts = 3 }
        let job = try await harness.submit(ttl: 86_400)
        for attempt in 1...3 {
            let minerID = "miner-\(attempt)"
            try await harness.register(minerID)
            #expect(try await harness.store.claimNextJob(minerID: minerID)?.jobID == job.id)
            harness.clock.advance(seconds: 31)
            let report = try await harness.store.sweep()
            if attempt < 3 {
                #expect(report.requeuedJobs == 1)
                #expect(try await harness.store.job(id: job.id, clientID: nil).state == .queued)
            } else {
                #expect(report.failedJobs == 1)
            }
        }
        let failed = try await harness.store.job(id: job.id, clientID: nil)
        #expect(failed.state == .failed)
        #expect(failed.error == "requeue limit")
        #expect(failed.attempts == 3)
        let events = try await harness.store.events(jobID: job.id)
        #expect(events.map(\.to) == [.queued, .running, .queued, .running, .queued, .running, .failed])
    }

    @Test func expiredRunningJobFailsInsteadOfRequeue() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let job = try await harness.submit(ttl: 20)
        _ = try await harness.store.claimNextJob(minerID: "miner-1")
        harness.clock.advance(seconds: 31)
        let report = try await harness.store.sweep()
        #expect(report.failedJobs == 1)
        let failed = try await harness.store.job(id: job.id, clientID: nil)
        #expect(failed.state == .failed)
        #expect(failed.error == "job expired")
    }

    @Test func drainingMinerAlsoTimesOut() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        try await harness.store.drain(minerID: "miner-1")
        harness.clock.advance(seconds: 31)
        #expect(try await harness.store.sweep().requeuedJobs == 1)
        #expect(try await harness.store.job(id: jobID, clientID: nil).state == .queued)
    }

    @Test func statsCountOnlyFreshOnlineMiners() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        try await harness.register("miner-2")
        harness.clock.advance(seconds: 31)
        try await harness.register("miner-3")
        #expect(try await harness.store.stats().onlineMiners == 1)
    }
}

@Suite struct DurabilityTests {
    /// Close and reopen: every acknowledged change is there, nothing is repeated.
    @Test func stateSurvivesReopen() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 4)
        let done = try await harness.running()
        let receipt = try await harness.store.complete(jobID: done, minerID: "miner-1", result: ["v": 1]).receipt
        let running = try await harness.running()
        let queued = try await harness.submit(key: "idem")
        let reopened = try await harness.reopen()
        #expect(try await reopened.job(id: done, clientID: nil).state == .completed)
        #expect(try await reopened.latestReceipt(jobID: done, clientID: nil) == receipt)
        #expect(try await reopened.job(id: running, clientID: nil).state == .running)
        #expect(try await reopened.job(id: queued.id, clientID: nil).state == .queued)
        #expect(try await reopened.miner(id: "miner-1")?.inflight == 1)
        let replay = try await reopened.submit(clientID: "client-a", JobSubmission(payload: ["task": "infer"], idempotencyKey: "idem"))
        #expect(replay.replayed)
        #expect(replay.job.id == queued.id)
        let again = try await reopened.complete(jobID: done, minerID: "miner-1", result: ["v": 1])
        #expect(again.replayed)
        #expect(again.receipt == receipt)
        // The vanished miner's RUNNING job is requeued after restart by the sweeper.
        harness.clock.advance(seconds: 31)
        #expect(try await reopened.sweep().requeuedJobs == 1)
        #expect(try await reopened.job(id: running, clientID: nil).state == .queued)
    }

    /// The first store is released (its connections close) before the second opens the file.
    @Test func closedAndReopenedStoreKeepsEverything() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-reopen")
        var configuration = CoordinatorConfiguration()
        configuration.databasePath = directory.path("c.db")
        configuration.dataDirectory = directory.path("data")
        configuration.signingKey = Ed25519.PrivateKey.generate()
        let clock = ManualClock()
        let ids: (String, String) = try await {
            let store = try await CoordinatorStore.open(configuration: configuration, clock: clock)
            _ = try await store.registerMiner(minerID: "m", MinerRegistration(capabilities: .object([])))
            let done = try await store.submit(clientID: "c", JobSubmission(payload: ["a": 1])).job.id
            _ = try await store.claimNextJob(minerID: "m")
            _ = try await store.complete(jobID: done, minerID: "m", result: ["r": 1])
            let queued = try await store.submit(clientID: "c", JobSubmission(payload: ["b": 2])).job.id
            return (done, queued)
        }()
        let store = try await CoordinatorStore.open(configuration: configuration, clock: clock)
        #expect(try await store.job(id: ids.0, clientID: "c").state == .completed)
        #expect(try await store.result(jobID: ids.0, clientID: "c").result == ["r": 1])
        #expect(try await store.job(id: ids.1, clientID: "c").state == .queued)
        #expect(try await store.claimNextJob(minerID: "m")?.jobID == ids.1)
        let integrity: String = try await store.database.read { db in try db.queryOne("PRAGMA integrity_check")?.get(0) ?? "" }
        #expect(integrity == "ok")
    }

    @Test func auditTablesAreAppendOnly() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: .object([]))
        for sql in ["DELETE FROM job_event", "UPDATE job_event SET actor = 'x'", "DELETE FROM jobreceipt", "UPDATE jobreceipt SET payload = '{}'"] {
            await #expect(throws: SQLiteError.self) {
                try await harness.store.database.write { db in try db.execute(sql) }
            }
        }
    }
}

@Suite struct SweeperEdgeTests {
    @Test func minerThatSaidOfflineAndVanishedStillGetsItsJobsRequeued() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(status: .offline))
        harness.clock.advance(seconds: 31)
        #expect(try await harness.store.sweep().requeuedJobs == 1)
        #expect(try await harness.store.job(id: jobID, clientID: nil).state == .queued)
        #expect(try await harness.store.sweep() == SweepReport())
    }

    @Test func reRegistrationWithNewCapabilitiesChangesMatching() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", capabilities: ["models": ["a"]])
        let job = try await harness.submit(constraints: JobConstraints(models: ["b"]))
        #expect(try await harness.store.claimNextJob(minerID: "miner-1") == nil)
        try await harness.register("miner-1", capabilities: ["models": ["a", "b"]])
        #expect(try await harness.store.claimNextJob(minerID: "miner-1")?.jobID == job.id)
    }
}

@Suite struct RestartTests {
    @Test func restartGivesLiveMinersOneTimeoutToReport() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("alive")
        try await harness.register("gone")
        let aliveJob = try await harness.running(miner: "alive")
        let goneJob = try await harness.running(miner: "gone")
        harness.clock.advance(seconds: 300)  // the coordinator was down for five minutes
        let store = try await harness.reopen()
        try await store.resumeAfterRestart()
        #expect(try await store.sweep() == SweepReport())
        harness.clock.advance(seconds: 20)
        try await store.heartbeat(minerID: "alive", MinerHeartbeat())
        harness.clock.advance(seconds: 11)
        let report = try await store.sweep()
        #expect(report.requeuedJobs == 1)
        #expect(try await store.job(id: goneJob, clientID: nil).state == .queued)
        #expect(try await store.job(id: aliveJob, clientID: nil).state == .running)
    }

    @Test func sweeperLoopStopsOnCancellation() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        let job = try await harness.submit(ttl: 1)
        harness.clock.advance(seconds: 2)
        let loop = Task { await coordinator.runSweeper() }
        #expect(await eventually { (try? await harness.store.job(id: job.id, clientID: nil).state) == .expired })
        loop.cancel()
        await loop.value
    }
}
