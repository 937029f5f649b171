public import JSON

// The WebSocket channels of spec/coordinator.md §13: JSON text frames `{"type": "...", ...}`.

/// Miner channel, server → miner: `{"type":"job.assigned", "job_id", "payload", "constraints"}`.
public struct JobAssignedMessage: WireMessage {
    /// `job.assigned`.
    public static let type = "job.assigned"
    /// The job, as a poll would have answered it.
    public var job: AssignedJob

    /// The message for `job`.
    public init(job: AssignedJob) { self.job = job }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError` (`type: must be job.assigned` for another message).
    public init(json: JSONValue) throws(WireDecodingError) {
        guard json["type"]?.stringValue == Self.type else { throw WireDecodingError(field: "type", reason: "must be \(Self.type)") }
        job = try AssignedJob(json: json)
    }

    /// `type` first, then the poll body's members.
    public var json: JSONValue { .members([("type", .string(Self.type))] + job.members) }
}

/// Miner channel, miner → server: `heartbeat`, `result` or `fail` with the HTTP body's members,
/// plus `job_id` for `result` and `fail`, and an optional `id` the answer echoes.
public struct MinerChannelRequest: WireMessage {
    /// What the message asks.
    public enum Operation: Sendable, Equatable {
        /// POST /v1/miners/heartbeat.
        case heartbeat(HeartbeatRequest)
        /// POST /v1/miners/{job_id}/result.
        case result(JobResultReport)
        /// POST /v1/miners/{job_id}/fail.
        case fail(JobFailureReport)

        /// `heartbeat`, `result` or `fail`.
        public var type: String {
            switch self {
            case .heartbeat: "heartbeat"
            case .result: "result"
            case .fail: "fail"
            }
        }
    }

    /// The operation and its body.
    public var operation: Operation
    /// `job_id` as sent (for `result` and `fail`); `jobID` is nil when it is malformed,
    /// which the coordinator answers like an unknown job.
    public var jobIDText: String?
    /// The miner's own request id (any JSON value), echoed by the answer.
    public var id: JSONValue?

    /// A message.
    public init(operation: Operation, jobID: JobID? = nil, id: JSONValue? = nil) {
        self.operation = operation
        jobIDText = jobID?.rawValue
        self.id = id
    }

    /// The job, when `job_id` is well formed.
    public var jobID: JobID? { jobIDText.flatMap(JobID.init) }

    /// Decodes strictly (the server's side): `type` first, then `job_id` for `result`/`fail`,
    /// then the body's members in the `.webSocketMessage` document.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        guard let type = json["type"]?.stringValue else { throw WireDecodingError(field: "type", reason: "field required") }
        id = WireFields.member(json, "id")
        switch type {
        case "heartbeat":
            operation = .heartbeat(try HeartbeatRequest(json: json, in: .webSocketMessage))
            jobIDText = nil
        case "result", "fail":
            guard let jobID = json["job_id"]?.stringValue else { throw WireDecodingError(field: "job_id", reason: "field required") }
            jobIDText = jobID
            operation =
                type == "result"
                ? .result(try JobResultReport(json: json, in: .webSocketMessage))
                : .fail(try JobFailureReport(json: json, in: .webSocketMessage))
        default:
            throw WireDecodingError(field: "type", reason: "must be heartbeat, result or fail")
        }
    }

    /// `{"type", "id"?, "job_id"?, …body}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("type", .string(operation.type))]
        if let id { pairs.append(("id", id)) }
        if let jobIDText { pairs.append(("job_id", .string(jobIDText))) }
        switch operation {
        case .heartbeat(let heartbeat): pairs += heartbeat.json.objectValue?.map { ($0.key, $0.value) } ?? []
        case .result(let report): pairs += report.members
        case .fail(let report): pairs += report.members
        }
        return .members(pairs)
    }
}

/// Miner channel, server → miner: the `ack` or `error` answering one message, with the HTTP
/// status and body the same request would have had over HTTP:
/// `{"type", "request_type"?, "job_id"?, "id"?, "status", "body", "retry_after"?}`.
public struct MinerChannelReply: WireMessage {
    /// `ack` or `error`.
    public var type: String
    /// The answered message's `type`, when it had a string one.
    public var requestType: String?
    /// The answered message's `job_id`, when it had a string one.
    public var jobID: String?
    /// The answered message's `id`, when it had one.
    public var id: JSONValue?
    /// The HTTP status the request would have had.
    public var status: Int
    /// The HTTP body it would have had (`CompletionResponse`, `HeartbeatResponse`, `StatusResponse` or `ErrorResponse`).
    public var body: JSONValue
    /// Seconds to wait, on a 429.
    public var retryAfter: Int?

    /// An answer to `request` (the message as parsed, nil when it was not JSON): its `type`,
    /// `job_id` and `id` are echoed when present, so a miner can match answers to requests.
    public init(type: String, answering request: JSONValue?, status: Int, body: JSONValue, retryAfter: Int? = nil) {
        self.type = type
        requestType = request?["type"]?.stringValue
        jobID = request?["job_id"]?.stringValue
        id = request.flatMap { WireFields.member($0, "id") }
        self.status = status
        self.body = body
        self.retryAfter = retryAfter
    }

    /// Whether this is an `ack`.
    public var isAck: Bool { type == "ack" }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let message = try WireFields.document(json, .webSocketMessage)
        type = try WireFields.string(try WireFields.required(message, "type"), field: "type")
        requestType = try WireFields.optional(message, "request_type", WireFields.string)
        jobID = try WireFields.optional(message, "job_id", WireFields.string)
        id = WireFields.member(message, "id")
        status = try WireFields.integer(try WireFields.required(message, "status"), field: "status")
        body = message["body"] ?? .null
        retryAfter = try WireFields.optional(message, "retry_after", WireFields.integer)
    }

    /// The members in wire order.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("type", .string(type))]
        if let requestType { pairs.append(("request_type", .string(requestType))) }
        if let jobID { pairs.append(("job_id", .string(jobID))) }
        if let id { pairs.append(("id", id)) }
        pairs.append(("status", .int(status)))
        pairs.append(("body", body))
        if let retryAfter { pairs.append(("retry_after", .int(retryAfter))) }
        return .members(pairs)
    }
}

/// Miner channel, any server → miner message.
public enum MinerChannelEvent: Sendable, Equatable {
    /// A job to run.
    case jobAssigned(JobAssignedMessage)
    /// An `ack` or `error`.
    case reply(MinerChannelReply)
    /// A message type this version does not know (ignore it).
    case unknown(String)

    /// Decodes by `type`.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        switch json["type"]?.stringValue {
        case JobAssignedMessage.type?: self = .jobAssigned(try JobAssignedMessage(json: json))
        case "ack"?, "error"?: self = .reply(try MinerChannelReply(json: json))
        case let other?: self = .unknown(other)
        case nil: throw WireDecodingError(field: "type", reason: "field required")
        }
    }
}

/// Client channel: `{"type":"state.changed", "job_id", "state", "at"}` on every transition.
public struct StateChangedMessage: WireMessage {
    /// `state.changed`.
    public static let type = "state.changed"
    /// The job.
    public var jobID: JobID
    /// Its new state.
    public var state: WireJobState
    /// When.
    public var at: WireTime

    /// A change.
    public init(jobID: JobID, state: WireJobState, at: WireTime) {
        self.jobID = jobID
        self.state = state
        self.at = at
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        guard json["type"]?.stringValue == Self.type else { throw WireDecodingError(field: "type", reason: "must be \(Self.type)") }
        jobID = try JobID(json: try WireFields.required(json, "job_id"), field: "job_id")
        state = try WireJobState(json: try WireFields.required(json, "state"), field: "state")
        at = try WireTime(json: try WireFields.required(json, "at"), field: "at")
    }

    /// `{"type", "job_id", "state", "at"}`.
    public var json: JSONValue {
        .members([("type", .string(Self.type)), ("job_id", jobID.json), ("state", .string(state.rawValue)), ("at", at.json)])
    }
}

/// Client channel: `{"type":"result.ready", "job_id", "receipt_id"}` when a receipt is stored.
public struct ResultReadyMessage: WireMessage {
    /// `result.ready`.
    public static let type = "result.ready"
    /// The job.
    public var jobID: JobID
    /// The stored receipt.
    public var receiptID: ReceiptID

    /// A notice.
    public init(jobID: JobID, receiptID: ReceiptID) {
        self.jobID = jobID
        self.receiptID = receiptID
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        guard json["type"]?.stringValue == Self.type else { throw WireDecodingError(field: "type", reason: "must be \(Self.type)") }
        jobID = try JobID(json: try WireFields.required(json, "job_id"), field: "job_id")
        receiptID = try ReceiptID(json: try WireFields.required(json, "receipt_id"), field: "receipt_id")
    }

    /// `{"type", "job_id", "receipt_id"}`.
    public var json: JSONValue { .members([("type", .string(Self.type)), ("job_id", jobID.json), ("receipt_id", receiptID.json)]) }
}

/// Client channel, any server → client message.
public enum ClientChannelEvent: Sendable, Equatable {
    /// A job changed state.
    case stateChanged(StateChangedMessage)
    /// A job's receipt was stored.
    case resultReady(ResultReadyMessage)
    /// A message type this version does not know (ignore it).
    case unknown(String)

    /// Decodes by `type`.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        switch json["type"]?.stringValue {
        case StateChangedMessage.type?: self = .stateChanged(try StateChangedMessage(json: json))
        case ResultReadyMessage.type?: self = .resultReady(try ResultReadyMessage(json: json))
        case let other?: self = .unknown(other)
        case nil: throw WireDecodingError(field: "type", reason: "field required")
        }
    }
}
