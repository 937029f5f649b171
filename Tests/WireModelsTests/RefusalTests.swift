import JSON
import Testing
import WireModels

/// Requests are decoded strictly with today's messages; responses leniently; ids and times
/// are checked once when they are decoded.
@Suite struct RefusalTests {
    static func json(_ text: String) throws -> JSONValue { try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(text) }

    /// The error `M(json:)` throws for `text`, as the coordinator words it.
    static func refusal<M: WireMessage>(_ type: M.Type, _ text: String) throws -> String? {
        let value = try json(text)
        do {
            _ = try M(json: value)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func unknownMembersAreRefusedNamingThem() throws {
        #expect(
            try Self.refusal(SubmitJobRequest.self, #"{"payload":{},"runnr":1}"#)
                == #"unknown field "runnr" in body (known: payload, constraints, ttl_seconds)"#)
        #expect(
            try Self.refusal(PollRequest.self, #"{"a":1,"b":2}"#) == #"unknown fields "a", "b" in body (known: max_wait_seconds)"#)
        #expect(
            try Self.refusal(SubmitJobRequest.self, #"{"payload":{},"constraints":{"max_prise":1}}"#)
                == #"constraints: unknown field "max_prise" (known: gpu, cuda, min_vram_gb, models, region, max_price)"#)
        let many = try Self.refusal(PollRequest.self, #"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}"#)
        #expect(many == #"unknown fields "a", "b", "c", "d", "e", … in body (known: max_wait_seconds)"#)
        // Control characters in an echoed name are escaped.
        #expect(try Self.refusal(PollRequest.self, #"{"a\u001b":1}"#) == #"unknown field "a\u{1B}" in body (known: max_wait_seconds)"#)
        // A miner message's envelope is accepted beside the body, and named among the known members.
        let message = try Self.json(#"{"type":"fail","job_id":"x","id":1,"error_code":"E","error_message":"m","extra":1}"#)
        #expect(throws: WireDecodingError(
            field: "message",
            problem: .unknownMembers(["extra"], known: ["type", "id", "job_id", "error_code", "error_message", "metrics"], inDocument: true))
        ) { try MinerChannelRequest(json: message) }
    }

    @Test func integersAreCoercedAsLenientlyAsToday() throws {
        for text in [#""900""#, "900.0", "900", #"" 900 ""#] {
            #expect(try SubmitJobRequest(json: try Self.json(#"{"payload":{},"ttl_seconds":\#(text)}"#)).ttlSeconds == 900)
        }
        for text in ["1.5", #""9x""#, "true", "[]", "1e300"] {
            #expect(try Self.refusal(SubmitJobRequest.self, #"{"payload":{},"ttl_seconds":\#(text)}"#) == "ttl_seconds: must be an integer")
        }
        #expect(throws: WireDecodingError(field: "ttl_seconds", reason: "must be an integer")) {
            try SubmitJobRequest(json: try Self.json(#"{"payload":{},"ttl_seconds":1.5}"#))
        }
    }

    @Test func wrongTypesAndMissingMembersNameTheField() throws {
        #expect(try Self.refusal(SubmitJobRequest.self, "[]") == "body: must be a JSON object")
        #expect(try Self.refusal(SubmitJobRequest.self, "{}") == "payload: field required")
        #expect(try Self.refusal(SubmitJobRequest.self, #"{"payload":null}"#) == "payload: field required")
        #expect(try Self.refusal(SubmitJobRequest.self, #"{"payload":[]}"#) == "payload: must be an object")
        #expect(try Self.refusal(SubmitJobRequest.self, #"{"payload":{},"constraints":[]}"#) == "constraints: must be an object")
        #expect(
            try Self.refusal(SubmitJobRequest.self, #"{"payload":{},"constraints":{"min_vram_gb":"8"}}"#)
                == "constraints.min_vram_gb: must be an integer in 0...1000000")
        #expect(try Self.refusal(RegisterMinerRequest.self, #"{"capabilities":{},"region":5}"#) == "region: must be a string")
        #expect(try Self.refusal(HeartbeatRequest.self, #"{"status":"BUSY"}"#) == "status: must be one of ONLINE, DRAINING, OFFLINE")
        #expect(
            try Self.refusal(HeartbeatRequest.self, #"{"jobs":[""]}"#) == "jobs: every element must be a job id string of 1...64 bytes")
        #expect(try Self.refusal(JobResultReport.self, #"{"metrics":{}}"#) == "result: field required")
        #expect(try Self.refusal(JobResultReport.self, #"{"result":{},"claim":"x"}"#) == "claim: must be an object")
        #expect(try Self.refusal(JobFailureReport.self, #"{"error_code":"E"}"#) == "error_message: field required")
        #expect(try Self.refusal(RotateMinerKeyRequest.self, #"{"public_key":1}"#) == "public_key: field required (64 hex characters)")
        #expect(try Self.refusal(MinerChannelRequest.self, #"{"job_id":"x"}"#) == "type: field required")
        #expect(try Self.refusal(MinerChannelRequest.self, #"{"type":"poll"}"#) == "type: must be heartbeat, result or fail")
        #expect(try Self.refusal(MinerChannelRequest.self, #"{"type":"result","result":{}}"#) == "job_id: field required")
    }

    @Test func identifiersFollowOneRuleEach() throws {
        #expect(JobID("0123456789abcdef0123456789abcdef") != nil)
        for bad in ["0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef", "../etc/passwd", "", "0123456789abcdef0123456789abcdeg"] {
            #expect(JobID(bad) == nil)
            #expect(ReceiptID(bad) == nil)
        }
        #expect(MinerID("gpu-box-1")?.description == "gpu-box-1")
        #expect(MinerID("miner-0a1b2c3d4e5f") != nil && MinerID("a.b_c") != nil)
        for bad in ["", "has space", "slash/", String(repeating: "a", count: 65), "ünïcode"] {
            #expect(MinerID(bad) == nil)
        }
        #expect(throws: WireDecodingError(field: "job_id", reason: JobID.rule)) { try JobID(validating: "nope", field: "job_id") }
        // Responses carrying a malformed id are refused, naming the field.
        #expect(
            try Self.refusal(JobView.self, #"{"job_id":"x","state":"QUEUED","requested_at":"2026-01-01T00:00:00Z","expires_at":"2026-01-01T00:00:00Z"}"#)
                == "job_id: must be 32 lowercase hex characters")
        #expect(
            try Self.refusal(ResultReadyMessage.self, #"{"type":"result.ready","job_id":"0123456789abcdef0123456789abcdef","receipt_id":"R"}"#)
                == "receipt_id: must be 32 lowercase hex characters")
    }

    /// Clients ignore members they do not know and keep job states they do not know.
    @Test func responsesAreLenient() throws {
        let view = try JobView(
            json: try Self.json(
                #"{"job_id":"0123456789abcdef0123456789abcdef","state":"PAUSED","requested_at":"2025-09-27T01:58:12.123456","expires_at":"2025-09-27T03:58:12+02:00","priority":3}"#
            ))
        #expect(view.state == .unknown("PAUSED") && view.state.known == nil && view.state.isTerminal == nil)
        #expect(view.json["state"] == "PAUSED")
        #expect(view.assignedMinerID == nil && view.error == nil)
        // Zone-less means UTC; both instants are the same.
        #expect(view.requestedAt.unixMilliseconds == 1_758_938_292_123)
        #expect(view.expiresAt.unixMilliseconds == 1_758_938_292_000)
        #expect(WireJobState("COMPLETED").isTerminal == true)
        let assigned = try AssignedJob(
            json: try Self.json(#"{"job_id":"0123456789abcdef0123456789abcdef","payload":{},"constraints":{"gpu":"A100","tpu":"v5"}}"#))
        #expect(assigned.constraints == JobConstraints(gpu: "A100"))
    }

    @Test func timesAcceptISO8601WithOrWithoutZone() {
        #expect(WireTime("1970-01-01T00:00:00Z")?.unixMilliseconds == 0)
        #expect(WireTime("1970-01-01T00:00:00.5")?.unixMilliseconds == 500)
        #expect(WireTime("1970-01-01T01:00:00+01:00")?.unixMilliseconds == 0)
        #expect(WireTime("2000-02-29T12:00:00.000Z")?.unixMilliseconds == 951_825_600_000)
        for bad in ["", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk"] {
            #expect(WireTime(bad) == nil)
        }
    }
}
