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

    /// Decodes `text` as `message` the way the routes do (limits, then the message's rules).
    func decode<Message: WireMessage>(_ message: Message.Type, _ text: String) throws(CoordinatorError) -> Message {
        try CoordinatorRequests.decode(message, from: Array(text.utf8), configuration: configuration)
    }

    @Test func submissionBody() throws {
        let submission = JobSubmission(
            try decode(SubmitJobRequest.self, #"{"payload":{"p":1},"constraints":{"gpu":"A100","x":null},"ttl_seconds":"900"}"#),
            idempotencyKey: "k")
        #expect(submission.payload == ["p": 1])
        #expect(submission.constraints == JobConstraints(gpu: "A100"))
        #expect(submission.ttlSeconds == 900)
        #expect(submission.idempotencyKey == "k")
        #expect(try decode(SubmitJobRequest.self, #"{"payload":{},"ttl_seconds":60.0}"#).ttlSeconds == 60)
        #expect(JobSubmission(try decode(SubmitJobRequest.self, #"{"payload":{}}"#), idempotencyKey: nil).constraints.isEmpty)
        for bad in [
            #"{"ttl_seconds":5}"#, #"{"payload":[]}"#, #"{"payload":{},"ttl_seconds":1.5}"#, #"{"payload":{},"ttl_seconds":true}"#,
            #"{"payload":{},"constraints":[]}"#, "[]", #"{"payload":{},"extra":true}"#,
        ] {
            let error = #expect(throws: CoordinatorError.self) { try decode(SubmitJobRequest.self, bad) }
            #expect(error?.httpStatus == 422)
        }
        // Today's messages, exactly (clients and docs quote them).
        #expect(throws: CoordinatorError.invalidPayload(#"unknown field "runnr" in body (known: payload, constraints, ttl_seconds)"#)) {
            try decode(SubmitJobRequest.self, #"{"payload":{},"runnr":1}"#)
        }
        #expect(throws: CoordinatorError.invalidPayload("ttl_seconds: must be an integer")) {
            try decode(SubmitJobRequest.self, #"{"payload":{},"ttl_seconds":1.5}"#)
        }
        // Echoed names are escaped with the server's rule (bidi overrides too, not only ASCII controls).
        #expect(throws: CoordinatorError.invalidPayload(#"unknown field "a\u{202E}" in body (known: payload, constraints, ttl_seconds)"#)) {
            try decode(SubmitJobRequest.self, #"{"payload":{},"a\u202e":1}"#)
        }
    }

    @Test func minerBodies() throws {
        let registration = MinerRegistration(try decode(RegisterMinerRequest.self, #"{"capabilities":{"gpus":[]},"concurrency":"2","region":"eu"}"#))
        #expect(registration.concurrency == 2)
        #expect(registration.region == "eu")
        #expect(MinerRegistration(try decode(RegisterMinerRequest.self, #"{"capabilities":{}}"#)).concurrency == 1)
        #expect(throws: CoordinatorError.invalidPayload("capabilities: field required")) {
            try decode(RegisterMinerRequest.self, #"{"concurrency":1}"#)
        }
        let heartbeat = MinerHeartbeat(try decode(HeartbeatRequest.self, #"{"inflight":3,"status":"DRAINING","metadata":{"t":1}}"#))
        #expect(heartbeat.status == .draining)
        #expect(heartbeat.reportedInflight == 3)
        #expect(throws: CoordinatorError.invalidPayload("status: must be one of ONLINE, DRAINING, OFFLINE")) {
            try decode(HeartbeatRequest.self, #"{"status":"BUSY"}"#)
        }
        #expect(CoordinatorRequests.pollMaxWaitSeconds(try decode(PollRequest.self, "{}")) == 15)
        #expect(CoordinatorRequests.pollMaxWaitSeconds(try decode(PollRequest.self, #"{"max_wait_seconds":1000}"#)) == 60)
        #expect(CoordinatorRequests.pollMaxWaitSeconds(try decode(PollRequest.self, #"{"max_wait_seconds":-3}"#)) == 0)
        let report = try decode(JobResultReport.self, #"{"result":{"x":1}}"#)
        #expect(report.metricsOrEmpty == .object([]))
        #expect(throws: CoordinatorError.invalidPayload("result: must be an object")) { try decode(JobResultReport.self, #"{"result":5}"#) }
        let failure = try decode(JobFailureReport.self, #"{"error_code":"OOM","error_message":"m"}"#)
        #expect(failure.errorCode == "OOM")
        #expect(throws: CoordinatorError.invalidPayload("error_message: field required")) {
            try decode(JobFailureReport.self, #"{"error_code":"OOM"}"#)
        }
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
        let view = try job.view().json
        #expect(view.objectValue?.map(\.key) == ["job_id", "state", "assigned_miner_id", "requested_at", "expires_at", "error"])
        #expect(view["requested_at"] == "2026-01-01T00:00:00.000Z")
        let claimed = try #require(try await harness.store.claimNextJob(minerID: "miner-1"))
        #expect(try claimed.assigned().json.objectValue?.map(\.key) == ["job_id", "payload", "constraints"])
        _ = try await harness.store.complete(jobID: job.id, minerID: "miner-1", result: ["r": 1])
        let stats = try await harness.store.stats().response.json
        #expect(stats["completed"] == 1)
        #expect(stats["total_jobs"] == 1)
        let receipts = try await harness.store.explorerReceipts()
        let item = try #require(try receipts.first?.explorerItem().json)
        #expect(item["status"] == "Attested")
        #expect(item["miner"] == "miner-1")
        #expect(item["coordinator"] == .string(harness.attestationKey.publicKey.keyID))
        let coordinator = Coordinator(store: harness.store)
        let history = try await coordinator.receipts(try #require(JobID(job.id)), clientID: "client-a", limit: 100, cursor: nil).json
        #expect(history["next_cursor"] == .null)
        #expect(history["items"]?.arrayValue?.count == 1)
    }
}
