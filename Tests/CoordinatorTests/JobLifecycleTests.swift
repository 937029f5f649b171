import Coordinator
import Foundation
import JSON
import TestSupport
import Testing
import WireModels

@Suite struct JobLifecycleTests {
    @Test func submitClaimCompleteHappyPath() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let job = try await harness.submit(payload: ["prompt": "hi"])
        #expect(job.state == .queued)
        #expect(job.id.utf8.count == 32)
        #expect(job.expiresAt - job.requestedAt == 900_000)
        let claimed = try #require(try await harness.store.claimNextJob(minerID: "miner-1"))
        #expect(claimed.jobID == job.id)
        #expect(claimed.payload == ["prompt": "hi"])
        let running = try await harness.store.job(id: job.id, clientID: "client-a")
        #expect(running.state == .running)
        #expect(running.assignedMinerID == "miner-1")
        #expect(running.startedAt == harness.clock.nowMilliseconds())
        harness.clock.advance(seconds: 3)
        let outcome = try await harness.store.complete(jobID: job.id, minerID: "miner-1", result: ["text": "hello"])
        #expect(!outcome.replayed)
        #expect(outcome.receipt != nil)
        let view = try await harness.store.result(jobID: job.id, clientID: "client-a")
        #expect(view.state == .completed)
        #expect(view.result == ["text": "hello"])
        #expect(view.receipt == outcome.receipt)
        let miner = try #require(try await harness.store.miner(id: "miner-1"))
        #expect(miner.inflight == 0)
        #expect(miner.jobsCompleted == 1)
        #expect(miner.averageJobDurationMS == 3_000)
        let events = try await harness.store.events(jobID: job.id)
        #expect(events.map(\.to) == [.queued, .running, .completed])
        #expect(events.map(\.from) == [nil, .queued, .running])
    }

    @Test func otherClientsJobIsNotFound() async throws {
        let harness = try await CoordinatorHarness.make()
        let job = try await harness.submit("client-a")
        await #expect(throws: CoordinatorError.jobNotFound) { try await harness.store.job(id: job.id, clientID: "client-b") }
        await #expect(throws: CoordinatorError.jobNotFound) { try await harness.store.cancel(jobID: job.id, clientID: "client-b") }
        await #expect(throws: CoordinatorError.jobNotFound) {
            try await harness.store.receiptHistory(jobID: job.id, clientID: "client-b")
        }
        await #expect(throws: CoordinatorError.jobNotFound) { try await harness.store.job(id: "nope", clientID: nil) }
        await #expect(throws: CoordinatorError.jobNotFound) {
            try await harness.store.job(id: String(repeating: "a", count: 32), clientID: nil)
        }
    }

    /// Spec §11 weakness 1: only the assigned miner may finish a RUNNING job.
    @Test func onlyTheAssignedMinerMayCompleteOrFail() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        try await harness.register("miner-2")
        let jobID = try await harness.running(miner: "miner-1")
        await #expect(throws: CoordinatorError.forbidden("job is assigned to another miner")) {
            try await harness.store.complete(jobID: jobID, minerID: "miner-2", result: ["x": 1])
        }
        await #expect(throws: CoordinatorError.forbidden("job is assigned to another miner")) {
            try await harness.store.fail(jobID: jobID, minerID: "miner-2", errorCode: "E", errorMessage: "m")
        }
        await #expect(throws: CoordinatorError.forbidden("job is assigned to another miner")) {
            try await harness.store.acknowledgeStart(jobID: jobID, minerID: "miner-2")
        }
        try await harness.store.acknowledgeStart(jobID: jobID, minerID: "miner-1")
        let job = try await harness.store.job(id: jobID, clientID: nil)
        #expect(job.state == .running)
        #expect(job.assignedMinerID == "miner-1")
        #expect(try await harness.count("jobreceipt") == 0)
    }

    /// Spec §11 weakness 1: result/fail on a job that is not RUNNING → 409, nothing signed.
    @Test(arguments: ["queued", "canceled", "expired", "failed", "completed-other"])
    func resultOnNonRunningJobConflicts(situation: String) async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        var jobID: String
        switch situation {
        case "queued":
            try await harness.store.drain(minerID: "miner-1")
            jobID = try await harness.submit().id
        case "canceled":
            jobID = try await harness.running()
            _ = try await harness.store.cancel(jobID: jobID, clientID: "client-a")
        case "expired":
            jobID = try await harness.submit(ttl: 1).id
            harness.clock.advance(seconds: 2)
            _ = try await harness.store.job(id: jobID, clientID: nil)
        case "failed":
            jobID = try await harness.running()
            try await harness.store.fail(jobID: jobID, minerID: "miner-1", errorCode: "OOM", errorMessage: "out of memory")
        default:
            jobID = try await harness.running()
            _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: ["v": 1])
        }
        let receiptsBefore = try await harness.count("jobreceipt")
        await #expect(throws: CoordinatorError.self) {
            try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: ["v": 2])
        }
        do {
            _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: ["v": 2])
        } catch {
            #expect(error.httpStatus == 409)
        }
        if situation != "failed" {
            await #expect(throws: CoordinatorError.self) {
                try await harness.store.fail(jobID: jobID, minerID: "miner-1", errorCode: "E", errorMessage: "late")
            }
        }
        #expect(try await harness.count("jobreceipt") == receiptsBefore)
    }

    /// Spec §11 weakness 1: an exact replay returns the stored receipt, signs nothing new.
    @Test func exactReplayReturnsTheSameReceipt() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        let first = try await harness.store.complete(
            jobID: jobID, minerID: "miner-1", result: ["answer": 42], metrics: ["units": 0.5])
        harness.clock.advance(seconds: 10)
        let replay = try await harness.store.complete(
            jobID: jobID, minerID: "miner-1", result: ["answer": 42], metrics: ["units": 0.5])
        #expect(replay.replayed)
        #expect(replay.receipt == first.receipt)
        #expect(try await harness.count("jobreceipt") == 1)
        let miner = try #require(try await harness.store.miner(id: "miner-1"))
        #expect(miner.jobsCompleted == 1)
        await #expect(throws: CoordinatorError.self) {
            try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: ["answer": 43])
        }
        #expect(try await harness.count("jobreceipt") == 1)
        let history = try await harness.store.receiptHistory(jobID: jobID, clientID: "client-a")
        #expect(history.items.count == 1)
    }

    /// Spec §11 weakness 5: cancel releases the miner's concurrency slot.
    @Test func cancelOfRunningJobDecrementsInflight() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        #expect(try await harness.store.miner(id: "miner-1")?.inflight == 1)
        let canceled = try await harness.store.cancel(jobID: jobID, clientID: "client-a")
        #expect(canceled.state == .canceled)
        #expect(canceled.error == "canceled by client")
        #expect(canceled.assignedMinerID == nil)
        #expect(try await harness.store.miner(id: "miner-1")?.inflight == 0)
        await #expect(throws: CoordinatorError.jobNotCancelable(state: .canceled)) {
            try await harness.store.cancel(jobID: jobID, clientID: "client-a")
        }
        // The freed slot takes new work at once.
        let next = try await harness.submit()
        #expect(try await harness.store.claimNextJob(minerID: "miner-1")?.jobID == next.id)
    }

    @Test func cancelOfQueuedAndTerminalJobs() async throws {
        let harness = try await CoordinatorHarness.make()
        let job = try await harness.submit()
        #expect(try await harness.store.cancel(jobID: job.id, clientID: "client-a").state == .canceled)
        let expiring = try await harness.submit(ttl: 1)
        harness.clock.advance(seconds: 1)
        await #expect(throws: CoordinatorError.jobNotCancelable(state: .expired)) {
            try await harness.store.cancel(jobID: expiring.id, clientID: "client-a")
        }
        // The expiry found by the cancel was committed (with its event), not rolled back.
        #expect(try await harness.count("job", where: "id = ? AND state = 'EXPIRED'", [expiring.id]) == 1)
        #expect(try await harness.store.events(jobID: expiring.id).map(\.to) == [.queued, .expired])
    }

    /// Spec §11 weakness 5: a heartbeat never overrides the coordinator's inflight count.
    @Test func heartbeatDoesNotOverrideInflight() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        _ = try await harness.running()
        try await harness.store.heartbeat(minerID: "miner-1", MinerHeartbeat(status: .online, reportedInflight: 0))
        let miner = try #require(try await harness.store.miner(id: "miner-1"))
        #expect(miner.inflight == 1)
        #expect(miner.reportedInflight == 0)
        _ = try await harness.submit()
        #expect(try await harness.store.claimNextJob(minerID: "miner-1") == nil)
        await #expect(throws: CoordinatorError.minerNotRegistered) {
            try await harness.store.heartbeat(minerID: "ghost", MinerHeartbeat())
        }
        await #expect(throws: CoordinatorError.minerNotRegistered) { try await harness.store.claimNextJob(minerID: "ghost") }
    }

    /// The result and receipt bodies are spliced from stored JSON: byte for byte what serializing
    /// the parsed view gives, for inline, on-disk, unsigned, failed and canceled jobs.
    @Test func storedBodiesEqualTheSerializedViews() async throws {
        let harness = try await CoordinatorHarness.make { $0.inlineResultLimitBytes = 2_048 }
        try await harness.register("miner-1")
        func expectSameBytes(_ jobID: String) async throws {
            let view = try await harness.store.result(jobID: jobID, clientID: "client-a")
            #expect(try await harness.store.resultBody(jobID: jobID, clientID: "client-a") == JSONSerializer().serialize(view.response.json))
            if let receipt = view.receipt {
                let body = try await harness.store.latestReceiptBody(jobID: jobID, clientID: "client-a")
                #expect(body == (try JSONSerializer().serialize(receipt)))
                #expect(try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(body) == receipt)
            }
        }
        let inline = try await harness.running()
        let tricky: JSONValue = [
            "text": "quote \" backslash \\ tab \t nul \u{0} é 😀 </script>", "n": 0.1, "big": 12_345_678_901, "neg": -2.5e-7,
            "list": [1, 2.5, true, .null, ["nested": "x"]],
        ]
        _ = try await harness.store.complete(jobID: inline, minerID: "miner-1", result: tricky)
        try await expectSameBytes(inline)
        let onDisk = try await harness.running()
        _ = try await harness.store.complete(
            jobID: onDisk, minerID: "miner-1", result: ["text": .string(String(repeating: "z", count: 5_000))])
        #expect(try await harness.store.job(id: onDisk, clientID: nil).resultRef != nil)
        try await expectSameBytes(onDisk)
        let failed = try await harness.running()
        try await harness.store.fail(jobID: failed, minerID: "miner-1", errorCode: "E_X", errorMessage: "said \"no\"\n")
        try await expectSameBytes(failed)
        let canceled = try await harness.submit()
        _ = try await harness.store.cancel(jobID: canceled.id, clientID: "client-a")
        try await expectSameBytes(canceled.id)

        let unsigned = try await CoordinatorHarness.make(signing: false)
        try await unsigned.register("miner-1")
        let job = try await unsigned.running()
        _ = try await unsigned.store.complete(jobID: job, minerID: "miner-1", result: ["ok": true])
        let view = try await unsigned.store.result(jobID: job, clientID: "client-a")
        #expect(view.receipt == nil)
        #expect(try await unsigned.store.resultBody(jobID: job, clientID: "client-a") == JSONSerializer().serialize(view.response.json))
    }

    /// A result file that was damaged on disk answers a storage error, never a 200 with broken JSON.
    @Test func aDamagedResultFileIsAStorageError() async throws {
        let harness = try await CoordinatorHarness.make { $0.inlineResultLimitBytes = 1_024 }
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: ["text": .string(String(repeating: "q", count: 4_000))])
        let path = harness.directory.path("data/results/\(jobID).json")
        let whole = try #require(FileManager.default.contents(atPath: path))
        try whole.prefix(100).write(to: URL(fileURLWithPath: path))
        do {
            _ = try await harness.store.resultBody(jobID: jobID, clientID: "client-a")
            Issue.record("a truncated result file was served")
        } catch {
            #expect(error.httpStatus == 500)
            guard case .storage = error else { Issue.record("expected a storage error, got \(error)"); return }
        }
    }

    /// The gauges' counts follow the active states only, and agree with the full statistics.
    @Test func liveCountsMatchTheStatistics() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 2)
        let running = try await harness.running()
        let done = try await harness.running()
        _ = try await harness.store.complete(jobID: done, minerID: "miner-1", result: ["ok": true])
        for _ in 0..<3 { _ = try await harness.submit() }
        let counts = try await harness.store.liveCounts()
        let stats = try await harness.store.stats()
        #expect(counts.queued == 3 && counts.running == 1 && counts.onlineMiners == 1)
        #expect(counts.queued == stats.jobsByState[.queued] && counts.running == stats.jobsByState[.running])
        #expect(counts.onlineMiners == stats.onlineMiners)
        #expect(try await harness.store.job(id: running, clientID: nil).state == .running)
        try await harness.store.ping()
    }

    /// Spec §11 weakness 9: terminal jobs without a result answer with state and error.
    @Test func terminalJobsWithoutResultAnswerStateAndError() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let queued = try await harness.submit()
        await #expect(throws: CoordinatorError.jobNotReady) { try await harness.store.result(jobID: queued.id, clientID: "client-a") }
        _ = try await harness.store.cancel(jobID: queued.id, clientID: "client-a")
        let canceled = try await harness.store.result(jobID: queued.id, clientID: "client-a")
        #expect(canceled.state == .canceled)
        #expect(canceled.error == "canceled by client")
        #expect(canceled.result == nil)
        #expect(canceled.receipt == nil)
        let running = try await harness.running()
        await #expect(throws: CoordinatorError.jobNotReady) { try await harness.store.result(jobID: running, clientID: "client-a") }
        try await harness.store.fail(jobID: running, minerID: "miner-1", errorCode: "OOM", errorMessage: "out of memory")
        let failed = try await harness.store.result(jobID: running, clientID: "client-a")
        #expect(failed.state == .failed)
        #expect(failed.error == "OOM: out of memory")
        await #expect(throws: CoordinatorError.receiptNotAvailable(state: .failed)) {
            try await harness.store.latestReceipt(jobID: running, clientID: "client-a")
        }
        // Fail is idempotent for the same report.
        try await harness.store.fail(jobID: running, minerID: "miner-1", errorCode: "OOM", errorMessage: "out of memory")
        #expect(try await harness.store.miner(id: "miner-1")?.jobsFailed == 1)
    }

    /// Spec §11 weakness 6: Idempotency-Key.
    @Test func idempotencyKeyReplaysAndConflicts() async throws {
        let harness = try await CoordinatorHarness.make()
        let first = try await harness.store.submit(
            clientID: "client-a", JobSubmission(payload: ["a": 1], idempotencyKey: "key-1"))
        let again = try await harness.store.submit(
            clientID: "client-a", JobSubmission(payload: ["a": 1], idempotencyKey: "key-1"))
        #expect(!first.replayed)
        #expect(again.replayed)
        #expect(again.job.id == first.job.id)
        await #expect(throws: CoordinatorError.idempotencyConflict) {
            try await harness.store.submit(clientID: "client-a", JobSubmission(payload: ["a": 2], idempotencyKey: "key-1"))
        }
        // Another client may use the same key.
        let other = try await harness.store.submit(clientID: "client-b", JobSubmission(payload: ["a": 1], idempotencyKey: "key-1"))
        #expect(other.job.id != first.job.id)
        // After 24 h the key is free again.
        harness.clock.advance(seconds: 86_401)
        let later = try await harness.store.submit(clientID: "client-a", JobSubmission(payload: ["a": 2], idempotencyKey: "key-1"))
        #expect(!later.replayed)
        #expect(later.job.id != first.job.id)
        #expect(try await harness.count("job") == 3)
    }

    /// Spec §11 weakness 7: bounds on every input.
    @Test func submitBounds() async throws {
        let harness = try await CoordinatorHarness.make { $0.maxBodyBytes = 2_048 }
        for ttl in [0, -5, 86_401, Int.max] {
            await #expect(throws: CoordinatorError.invalidPayload("ttl_seconds: must be an integer in 1...86400")) {
                try await harness.submit(ttl: ttl)
            }
        }
        #expect(try await harness.submit(ttl: 86_400).ttlSeconds == 86_400)
        await #expect(throws: CoordinatorError.invalidPayload("payload: must be an object")) {
            try await harness.submit(payload: "text")
        }
        await #expect(throws: CoordinatorError.payloadTooLarge(limit: 2_048)) {
            try await harness.submit(payload: ["blob": .string(String(repeating: "x", count: 3_000))])
        }
        await #expect(throws: CoordinatorError.self) { try await harness.submit(payload: ["n": .float(.infinity)]) }
        await #expect(throws: CoordinatorError.self) { try await harness.submit(key: "") }
        await #expect(throws: CoordinatorError.self) { try await harness.submit(key: "has space") }
        #expect(try await harness.count("job") == 1)
    }

    @Test func minerRegistrationBounds() async throws {
        let harness = try await CoordinatorHarness.make()
        for concurrency in [0, -1, 65] {
            await #expect(throws: CoordinatorError.invalidPayload("concurrency: must be an integer in 1...64")) {
                try await harness.register("m", concurrency: concurrency)
            }
        }
        await #expect(throws: CoordinatorError.payloadTooLarge(limit: 64 << 10)) {
            try await harness.register("m", capabilities: ["blob": .string(String(repeating: "x", count: 70_000))])
        }
        await #expect(throws: CoordinatorError.self) { try await harness.register("m", capabilities: [1, 2]) }
        let token1 = try await harness.register("m", concurrency: 64)
        let token2 = try await harness.register("m", concurrency: 2)
        #expect(token1 != token2)
        #expect(token2.utf8.count == 32)
        #expect(try await harness.store.isCurrentSession(minerID: "m", token: token2))
        #expect(try await !harness.store.isCurrentSession(minerID: "m", token: token1))
        await #expect(throws: CoordinatorError.minerNotRegistered) {
            try await harness.store.isCurrentSession(minerID: "ghost", token: token2)
        }
        #expect(try await harness.store.miner(id: "m")?.concurrency == 2)
        await #expect(throws: CoordinatorError.self) {
            try await harness.store.heartbeat(minerID: "m", MinerHeartbeat(reportedInflight: -1))
        }
    }

    /// Spec §11 weakness 7: non-finite or negative billing numbers are refused (422), nothing changes.
    static let badBilling: [(JSONValue, JSONValue)] = [
        (.object([]), ["units": .float(.infinity)]),
        (["units": -1], .object([])), (["price": -0.01], .object([])), (.object([]), ["price": .float(.nan)]),
        (.object([]), ["units": "many"]), (["unit_type": 5], .object([])),
    ]

    @Test(arguments: badBilling)
    func badBillingNumbersAreRejected(result: JSONValue, metrics: JSONValue) async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        do {
            _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: result, metrics: metrics)
            Issue.record("accepted bad billing")
        } catch {
            #expect(error.httpStatus == 422)
        }
        #expect(try await harness.store.job(id: jobID, clientID: nil).state == .running)
        #expect(try await harness.count("jobreceipt") == 0)
    }

    @Test func completionWithoutSigningStoresNoReceipt() async throws {
        let harness = try await CoordinatorHarness.make(signing: false)
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        let outcome = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: ["ok": true])
        #expect(outcome.receipt == nil)
        #expect(try await harness.count("jobreceipt") == 0)
        let view = try await harness.store.result(jobID: jobID, clientID: "client-a")
        #expect(view.result == ["ok": true])
        #expect(view.receipt == nil)
    }

    @Test func largeResultsGoToDiskWithAReference() async throws {
        let harness = try await CoordinatorHarness.make { $0.inlineResultLimitBytes = 1_024 }
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        let big: JSONValue = ["text": .string(String(repeating: "y", count: 5_000))]
        let outcome = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: big)
        let job = try await harness.store.job(id: jobID, clientID: nil)
        #expect(job.resultRef == "results/\(jobID).json")
        #expect(FileManager.default.fileExists(atPath: harness.directory.path("data/results/\(jobID).json")))
        #expect(try await harness.store.result(jobID: jobID, clientID: "client-a").result == big)
        let metadata = try #require(outcome.receipt?["metadata"])
        #expect(metadata["result"] == nil)
        #expect(metadata["result_ref"] == .string("results/\(jobID).json"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: harness.directory.path("data/results"))
        #expect(leftovers == ["\(jobID).json"])
    }

    @Test func refusedLargeResultLeavesNoFile() async throws {
        let harness = try await CoordinatorHarness.make { $0.inlineResultLimitBytes = 16 }
        try await harness.register("miner-1")
        try await harness.register("miner-2")
        let jobID = try await harness.running(miner: "miner-1")
        await #expect(throws: CoordinatorError.self) {
            try await harness.store.complete(
                jobID: jobID, minerID: "miner-2", result: ["text": .string(String(repeating: "z", count: 100))])
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: harness.directory.path("data/results"))) ?? []
        #expect(files.isEmpty)
    }

    @Test func lazyExpiryOnReadAndOnClaim() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let old = try await harness.submit(ttl: 5)
        harness.clock.advance(seconds: 5)
        let fresh = try await harness.submit(ttl: 5)
        #expect(try await harness.store.claimNextJob(minerID: "miner-1")?.jobID == fresh.id)
        let expired = try await harness.store.job(id: old.id, clientID: "client-a")
        #expect(expired.state == .expired)
        #expect(expired.error == "job expired")
    }
}
