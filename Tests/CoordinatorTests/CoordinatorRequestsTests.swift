import Coordinator
import Cryptography
import JSON
import Testing
import WireModels

@Suite struct CoordinatorRequestsTests {
    let configuration: CoordinatorConfiguration = {
        var configuration = CoordinatorConfiguration()
        configuration.maxBodyBytes = 4_096
        configuration.maxJSONDepth = 8
        return configuration
    }()

    func parse(_ text: String) throws(CoordinatorError) -> JSONValue {
        try CoordinatorRequests.parseBody(Array(text.utf8), configuration: configuration)
    }

    @Test func bodyLimits() throws {
        #expect(throws: CoordinatorError.payloadTooLarge(limit: 4_096)) {
            try parse("{\"payload\":\"" + String(repeating: "x", count: 5_000) + "\"}")
        }
        #expect(throws: CoordinatorError.self) { try parse(String(repeating: "[", count: 9) + String(repeating: "]", count: 9)) }
        #expect(throws: Never.self) { try parse(String(repeating: "[", count: 8) + String(repeating: "]", count: 8)) }
        for bad in [#"{"units": NaN}"#, #"{"units": Infinity}"#, #"{"units": 1e400}"#, #"{"a":1,"a":2}"#, "{", ""] {
            do {
                _ = try parse(bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.httpStatus == 422)
            }
        }
    }

    @Test func submissionBody() throws {
        let submission = try JobSubmission(
            body: try parse(#"{"payload":{"p":1},"constraints":{"gpu":"A100","x":null},"ttl_seconds":"900"}"#),
            idempotencyKey: "k")
        #expect(submission.payload == ["p": 1])
        #expect(submission.constraints == JobConstraints(gpu: "A100"))
        #expect(submission.ttlSeconds == 900)
        #expect(submission.idempotencyKey == "k")
        #expect(try JobSubmission(body: try parse(#"{"payload":{},"ttl_seconds":60.0}"#), idempotencyKey: nil).ttlSeconds == 60)
        for bad in [
            #"{"ttl_seconds":5}"#, #"{"payload":[]}"#, #"{"payload":{},"ttl_seconds":1.5}"#, #"{"payload":{},"ttl_seconds":true}"#,
            #"{"payload":{},"constraints":[]}"#, "[]", #"{"payload":{},"extra":true}"#,
        ] {
            #expect(throws: CoordinatorError.self) { try JobSubmission(body: try parse(bad), idempotencyKey: nil) }
        }
    }

    @Test func minerBodies() throws {
        let registration = try MinerRegistration(body: try parse(#"{"capabilities":{"gpus":[]},"concurrency":"2","region":"eu"}"#))
        #expect(registration.concurrency == 2)
        #expect(registration.region == "eu")
        #expect(try MinerRegistration(body: try parse(#"{"capabilities":{}}"#)).concurrency == 1)
        #expect(throws: CoordinatorError.self) { try MinerRegistration(body: try parse(#"{"concurrency":1}"#)) }
        let heartbeat = try MinerHeartbeat(body: try parse(#"{"inflight":3,"status":"DRAINING","metadata":{"t":1}}"#))
        #expect(heartbeat.status == .draining)
        #expect(heartbeat.reportedInflight == 3)
        #expect(throws: CoordinatorError.invalidPayload("status: must be one of ONLINE, DRAINING, OFFLINE")) {
            try MinerHeartbeat(body: try parse(#"{"status":"BUSY"}"#))
        }
        #expect(try CoordinatorRequests.pollMaxWaitSeconds(body: try parse("{}")) == 15)
        #expect(try CoordinatorRequests.pollMaxWaitSeconds(body: try parse(#"{"max_wait_seconds":1000}"#)) == 60)
        #expect(try CoordinatorRequests.pollMaxWaitSeconds(body: try parse(#"{"max_wait_seconds":-3}"#)) == 0)
        let report = try ResultReport(body: try parse(#"{"result":{"x":1}}"#))
        #expect(report.metrics == .object([]))
        #expect(throws: CoordinatorError.self) { try ResultReport(body: try parse(#"{"result":5}"#)) }
        let failure = try FailureReport(body: try parse(#"{"error_code":"OOM","error_message":"m"}"#))
        #expect(failure.errorCode == "OOM")
        #expect(throws: CoordinatorError.self) { try FailureReport(body: try parse(#"{"error_code":"OOM"}"#)) }
    }
}

@Suite struct CoordinatorResponsesTests {
    @Test func errorBodyCarriesBothStyles() throws {
        let text = try JSONSerializer().string(CoordinatorError.jobNotFound.body)
        #expect(text == #"{"detail":"job not found","error":{"code":"JOB_NOT_FOUND","message":"job not found"}}"#)
        #expect(CoordinatorError.rateLimited(retryAfterSeconds: 7).body["error"]?["details"]?["retry_after_seconds"] == 7)
    }

    @Test func timestampsAreRFC3339UTC() {
        #expect(CoordinatorTime.rfc3339(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(CoordinatorTime.rfc3339(milliseconds: 1_767_225_600_123) == "2026-01-01T00:00:00.123Z")
        #expect(CoordinatorTime.rfc3339(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(CoordinatorTime.epochSeconds(milliseconds: -1) == -1)
    }

    @Test func viewShapes() async throws {
        let harness = try await CoordinatorHarness.make(attestation: true)
        try await harness.register("miner-1")
        let job = try await harness.submit()
        #expect(job.viewJSON.objectValue?.map(\.key) == ["job_id", "state", "assigned_miner_id", "requested_at", "expires_at", "error"])
        #expect(job.viewJSON["requested_at"] == "2026-01-01T00:00:00.000Z")
        let claimed = try #require(try await harness.store.claimNextJob(minerID: "miner-1"))
        #expect(claimed.pollJSON.objectValue?.map(\.key) == ["job_id", "payload", "constraints"])
        _ = try await harness.store.complete(jobID: job.id, minerID: "miner-1", result: ["r": 1])
        let stats = try await harness.store.stats().json
        #expect(stats["completed"] == 1)
        #expect(stats["total_jobs"] == 1)
        let receipts = try await harness.store.explorerReceipts()
        let item = try #require(receipts.first?.explorerJSON)
        #expect(item["status"] == "Attested")
        #expect(item["miner"] == "miner-1")
        #expect(item["coordinator"] == .string(harness.attestationKey.publicKey.keyID))
        let history = try await harness.store.receiptHistory(jobID: job.id, clientID: "client-a").json
        #expect(history["next_cursor"] == .null)
        #expect(history["items"]?.arrayValue?.count == 1)
    }
}
