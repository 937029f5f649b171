import JSON
import Testing
import WireModels

/// Every message of the coordinator's client, miner, admin and WebSocket APIs against the JSON
/// text of spec/coordinator.md §6/§13 as the coordinator sends it today: decode, encode, and
/// the same bytes come back (member order, nulls and number forms included).
@Suite struct RoundTripTests {
    /// Decodes `text` as `M`, re-encodes it and expects the same text; returns the message.
    @discardableResult
    static func roundTrip<M: WireMessage>(_ type: M.Type, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> M {
        let message = try M(bytes: Array(text.utf8))
        #expect(message.text == text, sourceLocation: sourceLocation)
        // Decoding what was encoded gives the same value.
        #expect(try M(json: message.json) == message, sourceLocation: sourceLocation)
        return message
    }

    static let job = "0123456789abcdef0123456789abcdef"
    static let receipt = "fedcba9876543210fedcba9876543210"

    @Test func clientMessages() throws {
        let submit = try Self.roundTrip(
            SubmitJobRequest.self,
            #"{"payload":{"type":"echo","message":"hi"},"constraints":{"gpu":"A100","min_vram_gb":24,"models":["llama3"],"region":"eu","max_price":2.5},"ttl_seconds":900}"#
        )
        #expect(submit.ttlSeconds == 900 && submit.constraints?.minVRAMGB == 24 && submit.constraints?.maxPrice == 2.5)
        try Self.roundTrip(SubmitJobRequest.self, #"{"payload":{}}"#)
        let view = try Self.roundTrip(
            JobView.self,
            #"{"job_id":"\#(Self.job)","state":"QUEUED","assigned_miner_id":null,"requested_at":"2026-01-01T00:00:00.000Z","expires_at":"2026-01-01T00:15:00.000Z","error":null}"#
        )
        #expect(view.state == .known(.queued) && view.expiresAt.unixMilliseconds - view.requestedAt.unixMilliseconds == 900_000)
        try Self.roundTrip(
            JobView.self,
            #"{"job_id":"\#(Self.job)","state":"CANCELED","assigned_miner_id":"miner-0a1b2c3d4e5f","requested_at":"2026-01-01T00:00:00.000Z","expires_at":"2026-01-01T00:15:00.000Z","error":"canceled by client"}"#
        )
        try Self.roundTrip(
            JobResultResponse.self,
            #"{"result":{"output":"hi"},"receipt":{"receipt_id":"\#(Self.receipt)","units":1.5},"state":"COMPLETED","error":null}"#)
        try Self.roundTrip(JobResultResponse.self, #"{"result":null,"receipt":null,"state":"EXPIRED","error":"job expired"}"#)
        let page = try Self.roundTrip(
            ReceiptPage.self, #"{"items":[{"receipt_id":"\#(Self.receipt)","signature":{"alg":"Ed25519"}}],"next_cursor":"abc"}"#)
        #expect(page.items.first?.receiptID?.rawValue == Self.receipt)
        try Self.roundTrip(ReceiptPage.self, #"{"items":[],"next_cursor":null}"#)
    }

    @Test func minerMessages() throws {
        try Self.roundTrip(
            RegisterMinerRequest.self,
            #"{"capabilities":{"gpus":[{"name":"A100","memory_mb":40960}]},"concurrency":2,"region":"eu","public_key":"\#(String(repeating: "ab", count: 32))"}"#
        )
        try Self.roundTrip(RegisterMinerRequest.self, #"{"capabilities":{}}"#)
        try Self.roundTrip(RegisterMinerResponse.self, #"{"status":"ok","session_token":"\#(Self.job)","miner_id":"gpu-box-1"}"#)
        try Self.roundTrip(
            HeartbeatRequest.self, #"{"status":"DRAINING","inflight":1,"metadata":{"load":0.5},"jobs":["\#(Self.job)"]}"#)
        try Self.roundTrip(HeartbeatRequest.self, "{}")
        try Self.roundTrip(PollRequest.self, #"{"max_wait_seconds":15}"#)
        try Self.roundTrip(PollRequest.self, "{}")
        try Self.roundTrip(
            AssignedJob.self,
            #"{"job_id":"\#(Self.job)","payload":{"type":"sha256","data":"x"},"constraints":{"gpu":null,"cuda":"12","min_vram_gb":null,"models":null,"region":null,"max_price":1.0}}"#
        )
        try Self.roundTrip(
            JobResultReport.self,
            #"{"result":{"digest":"00"},"metrics":{"duration_ms":12},"claim":{"job_id":"\#(Self.job)"},"claim_signature":{"alg":"Ed25519","key_id":"k","sig":"s"}}"#
        )
        try Self.roundTrip(JobResultReport.self, #"{"result":{}}"#)
        try Self.roundTrip(CompletionResponse.self, #"{"status":"ok","receipt":{"receipt_id":"\#(Self.receipt)"}}"#)
        try Self.roundTrip(CompletionResponse.self, #"{"status":"ok","receipt":null}"#)
        try Self.roundTrip(JobFailureReport.self, #"{"error_code":"TIMEOUT","error_message":"ran past 30 s","metrics":{}}"#)
        try Self.roundTrip(JobFailureReport.self, #"{"error_code":"E","error_message":"m"}"#)
        try Self.roundTrip(StatusResponse.self, #"{"status":"ok"}"#)
    }

    @Test func heartbeatResponse() throws {
        // Nothing to stop: exactly the `{"status":"ok"}` older miners know.
        #expect(try Self.roundTrip(HeartbeatResponse.self, #"{"status":"ok"}"#).stopJobs.isEmpty)
        #expect(HeartbeatResponse().text == StatusResponse.ok.text)
        let stop = try Self.roundTrip(HeartbeatResponse.self, #"{"status":"ok","stop_jobs":["\#(Self.job)","\#(Self.receipt)"]}"#)
        #expect(stop.stopJobs == [Self.job, Self.receipt])
        // Lenient: unknown members are ignored, a null or empty list is nothing to stop.
        #expect(try HeartbeatResponse(json: ["status": "ok", "later": 1, "stop_jobs": .null]).stopJobs.isEmpty)
        #expect(try HeartbeatResponse(json: ["status": "ok", "stop_jobs": []]).text == #"{"status":"ok"}"#)
        #expect(throws: WireDecodingError.self) { _ = try HeartbeatResponse(json: ["status": "ok", "stop_jobs": "x"]) }
        #expect(throws: WireDecodingError.self) { _ = try HeartbeatResponse(json: ["status": "ok", "stop_jobs": [1]]) }
        #expect(throws: WireDecodingError.self) {
            _ = try HeartbeatResponse(json: ["status": "ok", "stop_jobs": .array(Array(repeating: "a", count: HeartbeatRequest.maxHeldJobs + 1))])
        }
    }

    @Test func adminMessages() throws {
        let stats = try Self.roundTrip(
            AdminStatsResponse.self,
            #"{"total_jobs":3,"active_jobs":1,"online_miners":1,"avg_miner_job_duration_ms":12.5,"queued":1,"running":0,"completed":2,"failed":0,"canceled":0,"expired":0}"#
        )
        #expect(stats.jobsByState[.completed] == 2)
        try Self.roundTrip(
            ListPage<AdminJobItem>.self,
            #"{"items":[{"job_id":"\#(Self.job)","state":"RUNNING","client_id":"client-0a1b2c3d4e5f","assigned_miner_id":"alice","requested_at":"2026-01-01T00:00:00.000Z"}],"next_cursor":null}"#
        )
        try Self.roundTrip(
            ListPage<AdminMinerItem>.self,
            #"{"items":[{"miner_id":"miner-0a1b2c3d4e5f","status":"ONLINE","inflight":1,"reported_inflight":0,"concurrency":2,"region":null,"last_heartbeat":"2026-01-01T00:00:00.000Z","average_job_duration_ms":0.0,"jobs_completed":4,"jobs_failed":1,"last_receipt_id":"\#(Self.receipt)"}],"next_cursor":"cursor-1"}"#
        )
        let key = String(repeating: "cd", count: 32)
        try Self.roundTrip(RotateMinerKeyRequest.self, #"{"public_key":"\#(key)"}"#)
        try Self.roundTrip(
            RotateMinerKeyResponse.self, #"{"status":"ok","miner_id":"gpu-box-1","public_key":"\#(key)","previous_public_key":null}"#)
    }

    @Test func publicMessages() throws {
        try Self.roundTrip(HealthResponse.self, #"{"status":"ok","env":"dev"}"#)
        try Self.roundTrip(
            PublishedKeysResponse.self,
            #"{"keys":[{"key_id":"abc","public_key_hex":"00","alg":"Ed25519","use":"receipt-signing"},{"key_id":"def","public_key_hex":"11","alg":"Ed25519","use":"receipt-attestation"}]}"#
        )
        try Self.roundTrip(PublishedKeysResponse.self, #"{"keys":[]}"#)
        try Self.roundTrip(ErrorResponse.self, #"{"detail":"job not found","error":{"code":"JOB_NOT_FOUND","message":"job not found"}}"#)
        let limited = try Self.roundTrip(
            ErrorResponse.self,
            #"{"detail":"rate limit exceeded","error":{"code":"RATE_LIMITED","message":"rate limit exceeded","details":{"retry_after_seconds":3}}}"#
        )
        #expect(limited.details?["retry_after_seconds"] == 3)
        try Self.roundTrip(
            ExplorerReceiptsResponse.self,
            #"{"jobId":null,"items":[{"receiptId":"\#(Self.receipt)","jobId":"\#(Self.job)","miner":"miner-1","coordinator":"key-1","issuedAt":"2026-01-01T00:00:01.000Z","status":"Signed","units":2,"unitType":"gpu_seconds","price":0.5,"startedAt":"2026-01-01T00:00:00.000Z","completedAt":"2026-01-01T00:00:01.000Z","artifactHash":"ab","receiptHash":"cd","keyId":"key-1"}],"next_offset":50}"#
        )
        try Self.roundTrip(ExplorerReceiptsResponse.self, #"{"jobId":"\#(Self.job)","items":[],"next_offset":null}"#)
    }

    @Test func webSocketMessages() throws {
        try Self.roundTrip(
            JobAssignedMessage.self,
            #"{"type":"job.assigned","job_id":"\#(Self.job)","payload":{"type":"echo"},"constraints":{"gpu":null,"cuda":null,"min_vram_gb":null,"models":null,"region":null,"max_price":null}}"#
        )
        try Self.roundTrip(StateChangedMessage.self, #"{"type":"state.changed","job_id":"\#(Self.job)","state":"RUNNING","at":"2026-01-01T00:00:00.000Z"}"#)
        try Self.roundTrip(ResultReadyMessage.self, #"{"type":"result.ready","job_id":"\#(Self.job)","receipt_id":"\#(Self.receipt)"}"#)
        let heartbeat = try Self.roundTrip(MinerChannelRequest.self, #"{"type":"heartbeat","id":7,"status":"ONLINE","inflight":0}"#)
        #expect(heartbeat.operation == .heartbeat(HeartbeatRequest(status: .online, inflight: 0)))
        let result = try Self.roundTrip(
            MinerChannelRequest.self, #"{"type":"result","id":"r1","job_id":"\#(Self.job)","result":{"ok":true},"metrics":{}}"#)
        #expect(result.jobID?.rawValue == Self.job)
        try Self.roundTrip(MinerChannelRequest.self, #"{"type":"fail","job_id":"\#(Self.job)","error_code":"E","error_message":"m"}"#)
        try Self.roundTrip(
            MinerChannelReply.self,
            #"{"type":"ack","request_type":"result","job_id":"\#(Self.job)","id":"r1","status":200,"body":{"status":"ok","receipt":null}}"#)
        try Self.roundTrip(
            MinerChannelReply.self,
            #"{"type":"error","status":429,"body":{"detail":"rate limit exceeded","error":{"code":"RATE_LIMITED","message":"rate limit exceeded"}},"retry_after":2}"#
        )
        let event = try MinerChannelEvent(json: try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(#"{"type":"ack","status":200,"body":{}}"#))
        #expect(event == .reply(MinerChannelReply(type: "ack", answering: nil, status: 200, body: .object([]))))
        let client = try ClientChannelEvent(json: try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(#"{"type":"job.progress"}"#))
        #expect(client == .unknown("job.progress"))
    }

    /// The reply echoes the request's `type`, string `job_id` and non-null `id`, in wire order.
    @Test func replyEchoesTheRequestEnvelope() throws {
        let request: JSONValue = ["type": "result", "job_id": "not-hex", "id": ["n": 1], "result": [:]]
        let reply = MinerChannelReply(type: "error", answering: request, status: 404, body: ["detail": "job not found"])
        #expect(reply.text == #"{"type":"error","request_type":"result","job_id":"not-hex","id":{"n":1},"status":404,"body":{"detail":"job not found"}}"#)
        let bare = MinerChannelReply(type: "error", answering: ["job_id": 5, "id": .null], status: 422, body: [:])
        #expect(bare.text == #"{"type":"error","status":422,"body":{}}"#)
    }
}
