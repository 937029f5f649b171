import AITBCClient
import Cryptography
import JSON
import Receipts
import Testing
import WireModels

/// Every client-role method of the SDK against a real coordinator over loopback.
@Suite struct ClientRoleTests {
    static let metrics: JSONValue = ["duration_ms": 5, "units": 0.005, "unit_type": "cpu_seconds"]

    /// A job submitted by the client, claimed by the miner and completed with a receipt.
    static func completedJob(_ live: LiveCoordinator) async throws -> JobID {
        let job = try await live.jobs.submitJob(payload: ["type": "echo", "input": "hi"])
        _ = try await live.miner.register(capabilities: [:])
        let assigned = try #require(try await live.miner.poll(maxWaitSeconds: 0))
        #expect(assigned.jobID == job.jobID)
        _ = try await live.miner.submitResult(job.jobID, result: ["echo": "hi"], metrics: metrics)
        return job.jobID
    }

    @Test func healthAndKeysNeedNoKey() async throws {
        try await LiveCoordinator.with { live in
            let anonymous = JobsClient(configuration: live.configuration(key: nil))
            let health = try await anonymous.health()
            #expect(health.status == "ok")
            let keys = try await anonymous.keys()
            #expect(keys.keys.map(\.keyID) == [live.signingKey.publicKey.keyID])
        }
    }

    @Test func submitReadAndCancel() async throws {
        try await LiveCoordinator.with { live in
            let jobs = live.jobs
            let job = try await jobs.submitJob(payload: ["type": "echo"], constraints: JobConstraints(region: "eu"), ttlSeconds: 120)
            #expect(job.state == .known(.queued))
            let read = try await jobs.job(job.jobID)
            #expect(read.jobID == job.jobID)
            #expect(try await jobs.result(job.jobID) == .notReady)
            let canceled = try await jobs.cancel(job.jobID)
            #expect(canceled.state == .known(.canceled))
            guard case .ready(let outcome) = try await jobs.result(job.jobID) else {
                Issue.record("a canceled job's result is ready")
                return
            }
            #expect(outcome.state == .known(.canceled))
            #expect(outcome.result == nil)
            // Canceling again conflicts; the error carries the coordinator's code and message.
            await #expect {
                _ = try await jobs.cancel(job.jobID)
            } throws: { error in
                (error as? AITBCError)?.status == 409 && (error as? AITBCError)?.kind == .rejected
            }
        }
    }

    @Test func theSameIdempotencyKeyGivesTheSameJob() async throws {
        try await LiveCoordinator.with { live in
            let first = try await live.jobs.submitJob(payload: ["n": 1], idempotencyKey: "order-42")
            let again = try await live.jobs.submitJob(payload: ["n": 1], idempotencyKey: "order-42")
            #expect(first.jobID == again.jobID)
            let other = try await live.jobs.submitJob(payload: ["n": 1])
            #expect(other.jobID != first.jobID)
        }
    }

    @Test func unknownJobsAndBadKeysAreErrorsWithTheirCodes() async throws {
        try await LiveCoordinator.with { live in
            let unknown = try #require(JobID(String(repeating: "ab", count: 16)))
            await #expect {
                _ = try await live.jobs.job(unknown)
            } throws: { error in
                let error = error as? AITBCError
                return error?.status == 404 && error?.code == "JOB_NOT_FOUND" && error?.message == "job not found"
            }
            let stranger = JobsClient(configuration: live.configuration(key: "not-a-key"))
            await #expect {
                _ = try await stranger.submitJob(payload: [:])
            } throws: { error in
                (error as? AITBCError)?.status == 401 && (error as? AITBCError)?.code == "UNAUTHORIZED_KEY"
            }
        }
    }

    @Test func receiptsAreFetchedPagedAndVerified() async throws {
        try await LiveCoordinator.with { live in
            let id = try await Self.completedJob(live)
            let jobs = live.jobs
            let latest = try #require(try await jobs.latestReceipt(id))
            #expect(latest[field: "job_id"]?.stringValue == id.rawValue)
            let page = try await jobs.receiptsPage(id, limit: 10)
            #expect(page.items == [latest])
            #expect(page.nextCursor == nil)
            var streamed: [Receipt] = []
            for try await receipt in jobs.receipts(id, pageSize: 1) { streamed.append(receipt) }
            #expect(streamed == [latest])

            let trusted = try await jobs.receiptStatus(id, trustedKeys: [live.signingKey.publicKey])
            #expect(trusted.allVerified)
            #expect(trusted.total == 1)
            #expect(trusted.latestVerified?.receipt == latest)
            #expect(trusted.receipts.first?.verification.signature.status == .valid)

            let stranger = Ed25519.PrivateKey.generate().publicKey
            let untrusted = try await jobs.receiptStatus(id, trustedKeys: [stranger])
            #expect(!untrusted.allVerified)
            #expect(untrusted.hasFailures)
            #expect(untrusted.receipts.first?.verification.signature.status == .unknownKey)
            #expect(untrusted.failureReasons == ["miner_signature_invalid:\(live.signingKey.publicKey.keyID)": 1])

            let verified = try #require(try await jobs.verifiedLatestReceipt(id, trustedKeys: [live.signingKey.publicKey]))
            #expect(verified.isVerified)
            #expect(verified.receiptID == latest[field: "receipt_id"]?.stringValue)
        }
    }

    @Test func aJobWithoutReceiptHasNoLatestReceipt() async throws {
        try await LiveCoordinator.with { live in
            let job = try await live.jobs.submitJob(payload: ["type": "echo"])
            #expect(try await live.jobs.latestReceipt(job.jobID) == nil)
            #expect(try await live.jobs.receiptsPage(job.jobID).items.isEmpty)
        }
    }

    @Test(arguments: [true, false])
    func waitForCompletionStopsAtTheTerminalState(useWebSocket: Bool) async throws {
        try await LiveCoordinator.with { live in
            let job = try await live.jobs.submitJob(payload: ["type": "echo"])
            _ = try await live.miner.register(capabilities: [:])
            // Polling sleeps between reads; the channel never does.
            let recorder = SleepRecorder()
            var configuration = live.configuration(key: LiveCoordinator.clientKey)
            configuration.sleep = { [recorder] delay in
                recorder.record(delay)
                try await Task.sleep(for: delay)
            }
            let jobs = JobsClient(configuration: configuration)
            async let finished = jobs.waitForCompletion(job.jobID, timeout: .seconds(30), useWebSocket: useWebSocket)
            let assigned = try #require(try await live.miner.poll(maxWaitSeconds: 5))
            _ = try await live.miner.submitResult(assigned.jobID, result: ["ok": true], metrics: Self.metrics)
            let view = try await finished
            #expect(view.state == .known(.completed))
            if useWebSocket { #expect(recorder.all.isEmpty) }
        }
    }

    @Test func waitForCompletionTimesOut() async throws {
        try await LiveCoordinator.with { live in
            let job = try await live.jobs.submitJob(payload: ["type": "echo"])
            await #expect {
                _ = try await live.jobs.waitForCompletion(job.jobID, timeout: .milliseconds(300))
            } throws: { error in
                (error as? AITBCError)?.kind == .timedOut
            }
        }
    }

    @Test func waitForCompletionReturnsAnAlreadyFinishedJob() async throws {
        try await LiveCoordinator.with { live in
            let job = try await live.jobs.submitJob(payload: ["type": "echo"])
            _ = try await live.jobs.cancel(job.jobID)
            let view = try await live.jobs.waitForCompletion(job.jobID, timeout: .seconds(10))
            #expect(view.state == .known(.canceled))
        }
    }
}
