public import JSON

// The client API (spec/coordinator.md §6 "Client"): requests decode strictly, responses leniently.

/// `POST /v1/jobs` body: `payload` object (required), `constraints` object, `ttl_seconds` integer.
public struct SubmitJobRequest: WireMessage {
    /// The opaque job object.
    public var payload: JSONValue
    /// The constraints; nil when the body has none (the coordinator then requires nothing).
    public var constraints: JobConstraints?
    /// Requested time to live; nil → the coordinator's `JOB_TTL_SECONDS`.
    public var ttlSeconds: Int?

    /// A submission.
    public init(payload: JSONValue, constraints: JobConstraints? = nil, ttlSeconds: Int? = nil) {
        self.payload = payload
        self.constraints = constraints
        self.ttlSeconds = ttlSeconds
    }

    /// Decodes a body strictly: unknown members refused, `ttl_seconds` coerced (`"900"`, `900.0`).
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["payload", "constraints", "ttl_seconds"], in: .httpBody)
        let payload = try WireFields.required(body, "payload")
        let constraints = WireFields.member(body, "constraints") == nil ? nil : try JobConstraints(json: body["constraints"])
        ttlSeconds = try WireFields.optional(body, "ttl_seconds", WireFields.integer)
        self.constraints = constraints
        self.payload = try WireFields.object(payload, field: "payload")
    }

    /// `{"payload", "constraints"?, "ttl_seconds"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("payload", payload)]
        if let constraints { pairs.append(("constraints", constraints.json)) }
        if let ttlSeconds { pairs.append(("ttl_seconds", .int(ttlSeconds))) }
        return .members(pairs)
    }
}

/// The JobView (spec §6): `job_id, state, assigned_miner_id, requested_at, expires_at, error`.
public struct JobView: WireMessage {
    /// The job.
    public var jobID: JobID
    /// Its state (unknown values kept).
    public var state: WireJobState
    /// The miner holding it, or nil.
    public var assignedMinerID: MinerID?
    /// Submission time.
    public var requestedAt: WireTime
    /// When a QUEUED job expires.
    public var expiresAt: WireTime
    /// Failure, cancel or expiry text.
    public var error: String?

    /// A view.
    public init(
        jobID: JobID, state: WireJobState, assignedMinerID: MinerID?, requestedAt: WireTime, expiresAt: WireTime, error: String?
    ) {
        self.jobID = jobID
        self.state = state
        self.assignedMinerID = assignedMinerID
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
        self.error = error
    }

    /// Decodes leniently (unknown members ignored).
    /// - Throws: `WireDecodingError` for a missing or malformed member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        jobID = try JobID(json: try WireFields.required(body, "job_id"), field: "job_id")
        state = try WireJobState(json: try WireFields.required(body, "state"), field: "state")
        assignedMinerID = try WireFields.optional(body, "assigned_miner_id") { value, field throws(WireDecodingError) in
            try MinerID(json: value, field: field)
        }
        requestedAt = try WireTime(json: try WireFields.required(body, "requested_at"), field: "requested_at")
        expiresAt = try WireTime(json: try WireFields.required(body, "expires_at"), field: "expires_at")
        error = try WireFields.optional(body, "error", WireFields.string)
    }

    /// The six members, nulls included.
    public var json: JSONValue {
        .members([
            ("job_id", jobID.json), ("state", .string(state.rawValue)), ("assigned_miner_id", .optional(assignedMinerID?.rawValue)),
            ("requested_at", requestedAt.json), ("expires_at", expiresAt.json), ("error", .optional(error)),
        ])
    }
}

/// `GET /v1/jobs/{job_id}/result` for a terminal job: `{"result", "receipt", "state", "error"}`.
public struct JobResultResponse: WireMessage {
    /// The miner's result object, or nil.
    public var result: JSONValue?
    /// The latest signed receipt, or nil.
    public var receipt: ReceiptDocument?
    /// The (terminal) state.
    public var state: WireJobState
    /// Error text for FAILED/CANCELED/EXPIRED.
    public var error: String?

    /// A result answer.
    public init(result: JSONValue?, receipt: ReceiptDocument?, state: WireJobState, error: String?) {
        self.result = result
        self.receipt = receipt
        self.state = state
        self.error = error
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        result = WireFields.member(body, "result")
        receipt = try WireFields.optional(body, "receipt") { value, _ throws(WireDecodingError) in try ReceiptDocument(json: value) }
        state = try WireJobState(json: try WireFields.required(body, "state"), field: "state")
        error = try WireFields.optional(body, "error", WireFields.string)
    }

    /// The four members, nulls included.
    public var json: JSONValue {
        .members([("result", result ?? .null), ("receipt", receipt?.json ?? .null), ("state", .string(state.rawValue)), ("error", .optional(error))])
    }
}

/// A signed receipt as the coordinator sends it (spec/receipts.md): kept as the exact JSON
/// object, because verification needs its canonical form (the `Receipts` module reads it).
public struct ReceiptDocument: WireMessage {
    /// The receipt object.
    public var json: JSONValue

    /// The receipt in `json`.
    /// - Throws: `WireDecodingError` `receipt: must be an object`.
    public init(json: JSONValue) throws(WireDecodingError) {
        self.json = try WireFields.object(json, field: "receipt")
    }

    /// `receipt_id`, when the receipt carries a well-formed one.
    public var receiptID: ReceiptID? { json["receipt_id"]?.stringValue.flatMap(ReceiptID.init) }
}

/// One page of a listing: `{"items": [...], "next_cursor": string|null}`; pass `nextCursor`
/// back as `cursor` to continue.
public struct ListPage<Item: WireMessage>: WireMessage {
    /// Items of this page.
    public var items: [Item]
    /// Opaque continuation, nil on the last page.
    public var nextCursor: String?

    /// A page.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// Decodes leniently; an item that does not decode fails the page (naming `items[i]`).
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        let elements = try WireFields.array(try WireFields.required(body, "items"), field: "items")
        var items: [Item] = []
        items.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do {
                items.append(try Item(json: element))
            } catch {
                throw WireDecodingError(field: "items[\(index)].\(error.field)", problem: error.problem)
            }
        }
        self.items = items
        nextCursor = try WireFields.optional(body, "next_cursor", WireFields.string)
    }

    /// `{"items", "next_cursor"}`.
    public var json: JSONValue { .members([("items", .array(items.map(\.json))), ("next_cursor", .optional(nextCursor))]) }
}

/// `GET /v1/jobs/{job_id}/receipts`: receipts oldest first.
public typealias ReceiptPage = ListPage<ReceiptDocument>
