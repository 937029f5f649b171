public import JSON

// The miner API (spec/coordinator.md §6 "Miner"). Request bodies decode strictly, in the
// document they came in: an HTTP body, or a miner WebSocket message whose envelope
// (`type`, `id`, `job_id`) is accepted beside the operation's fields.

/// `POST /v1/miners/register` body.
public struct RegisterMinerRequest: WireMessage {
    /// Capability document (object).
    public var capabilities: JSONValue
    /// Parallel jobs; nil → 1.
    public var concurrency: Int?
    /// Region, or nil.
    public var region: String?
    /// Hex Ed25519 public key the miner signs its work claims with.
    public var publicKey: String?

    /// A registration.
    public init(capabilities: JSONValue, concurrency: Int? = nil, region: String? = nil, publicKey: String? = nil) {
        self.capabilities = capabilities
        self.concurrency = concurrency
        self.region = region
        self.publicKey = publicKey
    }

    /// Decodes a body strictly.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["capabilities", "concurrency", "region", "public_key"], in: .httpBody)
        let capabilities = try WireFields.required(body, "capabilities")
        concurrency = try WireFields.optional(body, "concurrency", WireFields.integer)
        region = try WireFields.optional(body, "region", WireFields.string)
        publicKey = try WireFields.optional(body, "public_key", WireFields.string)
        self.capabilities = try WireFields.object(capabilities, field: "capabilities")
    }

    /// `{"capabilities", "concurrency"?, "region"?, "public_key"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("capabilities", capabilities)]
        if let concurrency { pairs.append(("concurrency", .int(concurrency))) }
        if let region { pairs.append(("region", .string(region))) }
        if let publicKey { pairs.append(("public_key", .string(publicKey))) }
        return .members(pairs)
    }
}

/// The register answer: `{"status":"ok","session_token","miner_id"}`; `miner_id` is the
/// principal the key maps to, which the miner's signed work claims must name.
public struct RegisterMinerResponse: WireMessage {
    /// `ok`.
    public var status: String
    /// The session token (issued, not checked).
    public var sessionToken: String
    /// The miner's principal id (absent from coordinators before it was added).
    public var minerID: MinerID?

    /// An answer.
    public init(status: String = "ok", sessionToken: String, minerID: MinerID?) {
        self.status = status
        self.sessionToken = sessionToken
        self.minerID = minerID
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        status = try WireFields.string(try WireFields.required(body, "status"), field: "status")
        sessionToken = try WireFields.string(try WireFields.required(body, "session_token"), field: "session_token")
        minerID = try WireFields.optional(body, "miner_id") { value, field throws(WireDecodingError) in try MinerID(json: value, field: field) }
    }

    /// `{"status", "session_token", "miner_id"}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("status", .string(status)), ("session_token", .string(sessionToken))]
        if let minerID { pairs.append(("miner_id", minerID.json)) }
        return .members(pairs)
    }
}

/// `POST /v1/miners/heartbeat` body (and the miner channel's `heartbeat` message).
public struct HeartbeatRequest: WireMessage {
    /// The miner's own status; nil → ONLINE.
    public var status: MinerStatus?
    /// The miner's own inflight count (stored as reported, never trusted for admission).
    public var inflight: Int?
    /// Free metadata object.
    public var metadata: JSONValue?
    /// Every job the miner still holds; when sent, RUNNING jobs assigned to it that it does
    /// not list are requeued once assigned longer than the heartbeat timeout. nil: no check.
    public var jobs: [String]?

    /// Most ids `jobs` may list.
    public static let maxHeldJobs = 1_024

    /// A heartbeat.
    public init(status: MinerStatus? = nil, inflight: Int? = nil, metadata: JSONValue? = nil, jobs: [String]? = nil) {
        self.status = status
        self.inflight = inflight
        self.metadata = metadata
        self.jobs = jobs
    }

    /// Decodes an HTTP body strictly.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) { try self.init(json: json, in: .httpBody) }

    /// Decodes a body or miner message strictly; `status` must be ONLINE, DRAINING or OFFLINE.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue, in document: WireDocument) throws(WireDecodingError) {
        let body = try WireFields.document(json, document)
        try WireFields.refuseUnknown(body, known: ["status", "inflight", "metadata", "jobs"], in: document)
        status = try WireFields.optional(body, "status") { value, field throws(WireDecodingError) in try MinerStatus(json: value, field: field) }
        inflight = try WireFields.optional(body, "inflight", WireFields.integer)
        metadata = try WireFields.optional(body, "metadata", WireFields.object)
        jobs = try WireFields.optional(body, "jobs") { value, field throws(WireDecodingError) in
            // Job ids as the miner holds them, checked loosely: an id the coordinator does not
            // know is simply not one of its RUNNING jobs.
            guard let items = value.arrayValue, items.count <= Self.maxHeldJobs else {
                throw WireDecodingError(field: field, reason: "must be an array of at most \(Self.maxHeldJobs) job ids")
            }
            var ids: [String] = []
            for item in items {
                guard let id = item.stringValue, (1...64).contains(id.utf8.count) else {
                    throw WireDecodingError(field: field, reason: "every element must be a job id string of 1...64 bytes")
                }
                ids.append(id)
            }
            return ids
        }
    }

    /// `{"status"?, "inflight"?, "metadata"?, "jobs"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = []
        if let status { pairs.append(("status", .string(status.rawValue))) }
        if let inflight { pairs.append(("inflight", .int(inflight))) }
        if let metadata { pairs.append(("metadata", metadata)) }
        if let jobs { pairs.append(("jobs", .array(jobs.map { .string($0) }))) }
        return .members(pairs)
    }
}

/// The heartbeat answer (HTTP body, and the miner channel's heartbeat `ack` body):
/// `{"status":"ok"}`, plus `stop_jobs` — held jobs the miner must stop without reporting (no
/// longer RUNNING on it: canceled, expired, failed or reassigned) — only when there are some,
/// so the answer older miners know stays byte for byte the same.
public struct HeartbeatResponse: WireMessage {
    /// `ok`.
    public var status: String
    /// Job ids from the heartbeat's `jobs` the miner must stop; empty when none (left out).
    public var stopJobs: [String]

    /// An answer; nothing to stop by default.
    public init(status: String = "ok", stopJobs: [String] = []) {
        self.status = status
        self.stopJobs = stopJobs
    }

    /// Decodes leniently: unknown members are ignored; `stop_jobs` absent or null is empty.
    /// - Throws: `WireDecodingError` when `status` is missing or `stop_jobs` is not an array of
    ///   at most `HeartbeatRequest.maxHeldJobs` strings.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        status = try WireFields.string(try WireFields.required(body, "status"), field: "status")
        stopJobs =
            try WireFields.optional(body, "stop_jobs") { value, field throws(WireDecodingError) in
                let items = try WireFields.array(value, field: field)
                guard items.count <= HeartbeatRequest.maxHeldJobs else {
                    throw WireDecodingError(field: field, reason: "must list at most \(HeartbeatRequest.maxHeldJobs) job ids")
                }
                var ids: [String] = []
                for item in items {
                    guard let id = item.stringValue else { throw WireDecodingError(field: field, reason: "every element must be a string") }
                    ids.append(id)
                }
                return ids
            } ?? []
    }

    /// `{"status"}`, or `{"status", "stop_jobs"}` when there is something to stop.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("status", .string(status))]
        if !stopJobs.isEmpty { pairs.append(("stop_jobs", .array(stopJobs.map { .string($0) }))) }
        return .members(pairs)
    }
}

/// `POST /v1/miners/poll` body: `max_wait_seconds` (default 15; the coordinator clamps it to 0…60).
public struct PollRequest: WireMessage {
    /// Longest wait asked for; nil → 15.
    public var maxWaitSeconds: Int?

    /// The default wait.
    public static let defaultMaxWaitSeconds = 15

    /// A poll.
    public init(maxWaitSeconds: Int? = nil) { self.maxWaitSeconds = maxWaitSeconds }

    /// Decodes a body strictly.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["max_wait_seconds"], in: .httpBody)
        maxWaitSeconds = try WireFields.optional(body, "max_wait_seconds", WireFields.integer)
    }

    /// `{"max_wait_seconds"?}`.
    public var json: JSONValue { .members(maxWaitSeconds.map { [("max_wait_seconds", .int($0))] } ?? []) }
}

/// A job handed to a miner: the 200 poll answer and the body of `job.assigned`
/// (`job_id, payload, constraints` with all six constraint keys).
public struct AssignedJob: WireMessage {
    /// The job.
    public var jobID: JobID
    /// Its payload.
    public var payload: JSONValue
    /// Its constraints.
    public var constraints: JobConstraints

    /// An assignment.
    public init(jobID: JobID, payload: JSONValue, constraints: JobConstraints) {
        self.jobID = jobID
        self.payload = payload
        self.constraints = constraints
    }

    /// Decodes leniently (constraint keys this version does not know are skipped).
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        jobID = try JobID(json: try WireFields.required(body, "job_id"), field: "job_id")
        payload = try WireFields.object(try WireFields.required(body, "payload"), field: "payload")
        constraints = try JobConstraints(json: body["constraints"], refusingUnknown: false)
    }

    /// `{"job_id", "payload", "constraints"}`.
    public var json: JSONValue { .members(members) }

    /// The members in wire order (`job.assigned` puts `type` before them).
    var members: [(String, JSONValue)] { [("job_id", jobID.json), ("payload", payload), ("constraints", constraints.pollJSON)] }
}

/// A miner's work claim and its Ed25519 signature as received (the `Receipts` module's
/// `WorkClaim` checks them); one without the other is kept so the coordinator can refuse it
/// after the job lookup (an unknown job answers 404 whatever the body says).
public struct SignedWorkClaim: Sendable, Equatable {
    /// The `claim` object, or null when only the signature came.
    public var claim: JSONValue
    /// The `claim_signature` object `{alg, key_id, sig}`, or null when only the claim came.
    public var signature: JSONValue

    /// Pairs a claim with its signature.
    public init(claim: JSONValue, signature: JSONValue) {
        self.claim = claim
        self.signature = signature
    }
}

/// `POST /v1/miners/{job_id}/result` body (and the miner channel's `result` message).
public struct JobResultReport: WireMessage {
    /// The result object.
    public var result: JSONValue
    /// Metrics; nil → `{}`.
    public var metrics: JSONValue?
    /// The signed work claim (`claim` + `claim_signature`), when any part of it came.
    public var claim: SignedWorkClaim?

    /// A report.
    public init(result: JSONValue, metrics: JSONValue? = nil, claim: SignedWorkClaim? = nil) {
        self.result = result
        self.metrics = metrics
        self.claim = claim
    }

    /// Decodes an HTTP body strictly.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) { try self.init(json: json, in: .httpBody) }

    /// Decodes a body or miner message strictly: `result` object (required), `metrics`,
    /// `claim` and `claim_signature` objects.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue, in document: WireDocument) throws(WireDecodingError) {
        let body = try WireFields.document(json, document)
        try WireFields.refuseUnknown(body, known: ["result", "metrics", "claim", "claim_signature"], in: document)
        result = try WireFields.object(try WireFields.required(body, "result"), field: "result")
        metrics = try WireFields.optional(body, "metrics", WireFields.object)
        let claim = try WireFields.optional(body, "claim", WireFields.object)
        let signature = try WireFields.optional(body, "claim_signature", WireFields.object)
        self.claim = claim == nil && signature == nil ? nil : SignedWorkClaim(claim: claim ?? .null, signature: signature ?? .null)
    }

    /// Metrics, `{}` when none were sent.
    public var metricsOrEmpty: JSONValue { metrics ?? .object([]) }

    /// `{"result", "metrics"?, "claim"?, "claim_signature"?}`.
    public var json: JSONValue { .members(members) }

    /// The members in wire order.
    var members: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("result", result)]
        if let metrics { pairs.append(("metrics", metrics)) }
        if let claim, !claim.claim.isNull { pairs.append(("claim", claim.claim)) }
        if let claim, !claim.signature.isNull { pairs.append(("claim_signature", claim.signature)) }
        return pairs
    }
}

/// The result answer: `{"status":"ok","receipt": <signed receipt>|null}`.
public struct CompletionResponse: WireMessage {
    /// `ok`.
    public var status: String
    /// The signed receipt; nil when the coordinator signs none.
    public var receipt: ReceiptDocument?

    /// An answer.
    public init(status: String = "ok", receipt: ReceiptDocument?) {
        self.status = status
        self.receipt = receipt
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        status = try WireFields.string(try WireFields.required(body, "status"), field: "status")
        receipt = try WireFields.optional(body, "receipt") { value, _ throws(WireDecodingError) in try ReceiptDocument(json: value) }
    }

    /// `{"status", "receipt"}`.
    public var json: JSONValue { .members([("status", .string(status)), ("receipt", receipt?.json ?? .null)]) }
}

/// `POST /v1/miners/{job_id}/fail` body (and the miner channel's `fail` message).
public struct JobFailureReport: WireMessage {
    /// Machine code.
    public var errorCode: String
    /// Human text.
    public var errorMessage: String
    /// Metrics; nil → `{}`.
    public var metrics: JSONValue?

    /// A report.
    public init(errorCode: String, errorMessage: String, metrics: JSONValue? = nil) {
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.metrics = metrics
    }

    /// Decodes an HTTP body strictly.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) { try self.init(json: json, in: .httpBody) }

    /// Decodes a body or miner message strictly: `error_code` and `error_message` strings
    /// (required), `metrics` object.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue, in document: WireDocument) throws(WireDecodingError) {
        let body = try WireFields.document(json, document)
        try WireFields.refuseUnknown(body, known: ["error_code", "error_message", "metrics"], in: document)
        let code = try WireFields.required(body, "error_code")
        let message = try WireFields.required(body, "error_message")
        errorCode = try WireFields.string(code, field: "error_code")
        errorMessage = try WireFields.string(message, field: "error_message")
        metrics = try WireFields.optional(body, "metrics", WireFields.object)
    }

    /// Metrics, `{}` when none were sent.
    public var metricsOrEmpty: JSONValue { metrics ?? .object([]) }

    /// `{"error_code", "error_message", "metrics"?}`.
    public var json: JSONValue { .members(members) }

    /// The members in wire order.
    var members: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("error_code", .string(errorCode)), ("error_message", .string(errorMessage))]
        if let metrics { pairs.append(("metrics", metrics)) }
        return pairs
    }
}

/// `{"status":"ok"}`: the answer of heartbeat, drain, start and fail.
public struct StatusResponse: WireMessage {
    /// `ok`.
    public var status: String

    /// An answer; `ok` by default.
    public init(status: String = "ok") { self.status = status }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        status = try WireFields.string(try WireFields.required(body, "status"), field: "status")
    }

    /// `{"status"}`.
    public var json: JSONValue { .members([("status", .string(status))]) }

    /// `{"status":"ok"}`.
    public static let ok = StatusResponse()
}
