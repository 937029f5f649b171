public import JSON
import ServiceRuntime
public import WireModels

/// Request body parsing for the routes of spec/coordinator.md §6: size and depth limits,
/// strict JSON (duplicate keys and non-finite numbers refused), unknown top-level fields refused
/// with 422 naming them (issue #12, overriding spec §4's "ignored": a misspelt `ttl_secnds` was
/// silently dropped and the default applied), integers coerced as leniently as the reference (`"900"` and `900.0` → 900, `1.5` → 422).
public enum CoordinatorRequests {
    /// Parses a raw request body.
    /// - Throws: `CoordinatorError.payloadTooLarge` above `MAX_BODY_BYTES`, `.invalidPayload`
    ///   for malformed JSON, nesting deeper than `MAX_JSON_DEPTH`, or non-finite numbers.
    public static func parseBody(_ bytes: [UInt8], configuration: CoordinatorConfiguration) throws(CoordinatorError) -> JSONValue {
        guard bytes.count <= configuration.maxBodyBytes else { throw .payloadTooLarge(limit: configuration.maxBodyBytes) }
        do {
            return try JSONParser(limits: .init(maxInputBytes: configuration.maxBodyBytes, maxDepth: configuration.maxJSONDepth))
                .parse(bytes)
        } catch {
            if case .inputTooLarge(let limit) = error { throw .payloadTooLarge(limit: limit) }
            throw .invalidPayload("body: invalid JSON: \(error)")
        }
    }

    /// The members of a body that must be a JSON object.
    /// - Throws: `CoordinatorError.invalidPayload`.
    static func object(_ body: JSONValue) throws(CoordinatorError) -> JSONValue {
        guard case .object = body else { throw .invalidPayload("body: must be a JSON object") }
        return body
    }

    /// Refuses members of `body` that are neither the operation's `known` fields nor the
    /// `document`'s envelope, naming them and every field the document accepts.
    /// - Throws: `CoordinatorError.invalidPayload`, e.g. `unknown field "runnr" in body (known:
    ///   payload, constraints, ttl_seconds)`.
    static func refuseUnknownFields(_ body: JSONValue, known: [String], in document: RequestDocument) throws(CoordinatorError) {
        let accepted = document.envelope + known
        let unknown = (body.objectValue ?? []).map(\.key).filter { !accepted.contains($0) }
        guard !unknown.isEmpty else { return }
        // Bounded: a body may hold thousands of members; name the first few.
        let shown = unknown.prefix(5).map { "\"\(UntrustedText.display($0))\"" }.joined(separator: ", ") + (unknown.count > 5 ? ", …" : "")
        throw .invalidPayload(
            "unknown field\(unknown.count == 1 ? "" : "s") \(shown) in \(document.name) (known: \(accepted.joined(separator: ", ")))")
    }

    /// A present, non-null member.
    static func member(_ body: JSONValue, _ key: String) -> JSONValue? {
        guard let value = body[key], !value.isNull else { return nil }
        return value
    }

    /// An integer field: integer literals, integral floats and decimal strings are accepted.
    /// - Throws: `CoordinatorError.invalidPayload` naming the field.
    static func integer(_ value: JSONValue, field: String) throws(CoordinatorError) -> Int {
        switch value {
        case .integer(let integer):
            if let int = integer.intValue { return int }
        case .float(let number):
            if number.isFinite, number == number.rounded(), abs(number) < 9.0e15 { return Int(number) }
        case .string(let text):
            if let int = Int(text.trimmingWhitespace()) { return int }
        default:
            break
        }
        throw .invalidPayload("\(field): must be an integer")
    }

    /// A string field.
    /// - Throws: `CoordinatorError.invalidPayload` naming the field.
    static func string(_ value: JSONValue, field: String) throws(CoordinatorError) -> String {
        guard let text = value.stringValue else { throw .invalidPayload("\(field): must be a string") }
        return text
    }

    /// An object field.
    /// - Throws: `CoordinatorError.invalidPayload` naming the field.
    static func objectField(_ value: JSONValue, field: String) throws(CoordinatorError) -> JSONValue {
        guard case .object = value else { throw .invalidPayload("\(field): must be an object") }
        return value
    }

    /// `max_wait_seconds` of a poll body (default 15), clamped to 0…60 (spec §8).
    /// - Throws: `CoordinatorError.invalidPayload` when the body is not an object or the value not an integer.
    public static func pollMaxWaitSeconds(body: JSONValue) throws(CoordinatorError) -> Int {
        let body = try object(body)
        try refuseUnknownFields(body, known: ["max_wait_seconds"], in: .httpBody)
        guard let value = member(body, "max_wait_seconds") else { return 15 }
        let seconds = try integer(value, field: "max_wait_seconds")
        return min(max(seconds, 0), Coordinator.maxPollWaitSeconds)
    }
}

extension JobSubmission {
    /// Reads a POST /v1/jobs body: `payload` object (required), `constraints` object, `ttl_seconds` integer.
    /// - Throws: `CoordinatorError.invalidPayload`.
    public init(body: JSONValue, idempotencyKey: String?) throws(CoordinatorError) {
        let body = try CoordinatorRequests.object(body)
        try CoordinatorRequests.refuseUnknownFields(body, known: ["payload", "constraints", "ttl_seconds"], in: .httpBody)
        guard let payload = CoordinatorRequests.member(body, "payload") else { throw .invalidPayload("payload: field required") }
        let constraints: JobConstraints
        do {
            constraints = try JobConstraints(json: CoordinatorRequests.member(body, "constraints"))
        } catch {
            throw CoordinatorError(error)
        }
        let ttl = try CoordinatorRequests.member(body, "ttl_seconds").map { value throws(CoordinatorError) in
            try CoordinatorRequests.integer(value, field: "ttl_seconds")
        }
        self.init(
            payload: try CoordinatorRequests.objectField(payload, field: "payload"), constraints: constraints, ttlSeconds: ttl,
            idempotencyKey: idempotencyKey)
    }
}

extension MinerRegistration {
    /// Reads a POST /v1/miners/register body.
    /// - Throws: `CoordinatorError.invalidPayload`.
    public init(body: JSONValue) throws(CoordinatorError) {
        let body = try CoordinatorRequests.object(body)
        try CoordinatorRequests.refuseUnknownFields(body, known: ["capabilities", "concurrency", "region", "public_key"], in: .httpBody)
        guard let capabilities = CoordinatorRequests.member(body, "capabilities") else {
            throw .invalidPayload("capabilities: field required")
        }
        let concurrency = try CoordinatorRequests.member(body, "concurrency").map { value throws(CoordinatorError) in
            try CoordinatorRequests.integer(value, field: "concurrency")
        }
        let region = try CoordinatorRequests.member(body, "region").map { value throws(CoordinatorError) in
            try CoordinatorRequests.string(value, field: "region")
        }
        let publicKey = try CoordinatorRequests.member(body, "public_key").map { value throws(CoordinatorError) in
            try CoordinatorRequests.string(value, field: "public_key")
        }
        self.init(
            capabilities: try CoordinatorRequests.objectField(capabilities, field: "capabilities"), concurrency: concurrency ?? 1,
            region: region, publicKey: publicKey)
    }
}

extension MinerHeartbeat {
    /// Reads a POST /v1/miners/heartbeat body; `status` must be ONLINE, DRAINING or OFFLINE.
    /// - Throws: `CoordinatorError.invalidPayload`.
    public init(body: JSONValue, in document: RequestDocument = .httpBody) throws(CoordinatorError) {
        let body = try CoordinatorRequests.object(body)
        try CoordinatorRequests.refuseUnknownFields(body, known: ["status", "inflight", "metadata", "jobs"], in: document)
        var status = MinerStatus.online
        if let value = CoordinatorRequests.member(body, "status") {
            guard let parsed = MinerStatus(rawValue: try CoordinatorRequests.string(value, field: "status")) else {
                throw .invalidPayload("status: must be one of ONLINE, DRAINING, OFFLINE")
            }
            status = parsed
        }
        let inflight = try CoordinatorRequests.member(body, "inflight").map { value throws(CoordinatorError) in
            try CoordinatorRequests.integer(value, field: "inflight")
        }
        let metadata = try CoordinatorRequests.member(body, "metadata").map { value throws(CoordinatorError) in
            try CoordinatorRequests.objectField(value, field: "metadata")
        }
        var heldJobs: Set<String>?
        if let value = CoordinatorRequests.member(body, "jobs") {
            guard let items = value.arrayValue, items.count <= MinerHeartbeat.maxHeldJobs else {
                throw .invalidPayload("jobs: must be an array of at most \(MinerHeartbeat.maxHeldJobs) job ids")
            }
            var ids = Set<String>()
            for item in items {
                guard let id = item.stringValue, (1...64).contains(id.utf8.count) else {
                    throw .invalidPayload("jobs: every element must be a job id string of 1...64 bytes")
                }
                ids.insert(id)
            }
            heldJobs = ids
        }
        self.init(status: status, reportedInflight: inflight ?? 0, metadata: metadata ?? .object([]), heldJobs: heldJobs)
    }
}

/// A POST /v1/miners/{job_id}/result body.
public struct ResultReport: Sendable {
    /// The result object.
    public var result: JSONValue
    /// Metrics (`{}` when absent).
    public var metrics: JSONValue
    /// The miner's signed work claim (`claim` + `claim_signature`), when it sent one.
    public var claim: SignedWorkClaim?

    /// Reads the body: `result` object (required), `metrics` object, and optionally `claim`
    /// and `claim_signature` objects (both or neither; `CoordinatorStore.complete` checks).
    /// - Throws: `CoordinatorError.invalidPayload`.
    public init(body: JSONValue, in document: RequestDocument = .httpBody) throws(CoordinatorError) {
        let body = try CoordinatorRequests.object(body)
        try CoordinatorRequests.refuseUnknownFields(body, known: ["result", "metrics", "claim", "claim_signature"], in: document)
        guard let result = CoordinatorRequests.member(body, "result") else { throw .invalidPayload("result: field required") }
        self.result = try CoordinatorRequests.objectField(result, field: "result")
        metrics =
            try CoordinatorRequests.member(body, "metrics").map { value throws(CoordinatorError) in
                try CoordinatorRequests.objectField(value, field: "metrics")
            } ?? .object([])
        let claim = try CoordinatorRequests.member(body, "claim").map { value throws(CoordinatorError) in
            try CoordinatorRequests.objectField(value, field: "claim")
        }
        let signature = try CoordinatorRequests.member(body, "claim_signature").map { value throws(CoordinatorError) in
            try CoordinatorRequests.objectField(value, field: "claim_signature")
        }
        // One without the other is refused by the store, after the job lookup (an unknown job
        // answers 404 whatever the body says).
        self.claim = claim == nil && signature == nil ? nil : SignedWorkClaim(claim: claim ?? .null, signature: signature ?? .null)
    }
}

/// A POST /v1/miners/{job_id}/fail body.
public struct FailureReport: Sendable {
    /// Machine code.
    public var errorCode: String
    /// Human text.
    public var errorMessage: String
    /// Metrics (`{}` when absent).
    public var metrics: JSONValue

    /// Reads the body: `error_code` and `error_message` strings (required), `metrics` object.
    /// - Throws: `CoordinatorError.invalidPayload`.
    public init(body: JSONValue, in document: RequestDocument = .httpBody) throws(CoordinatorError) {
        let body = try CoordinatorRequests.object(body)
        try CoordinatorRequests.refuseUnknownFields(body, known: ["error_code", "error_message", "metrics"], in: document)
        guard let code = CoordinatorRequests.member(body, "error_code") else { throw .invalidPayload("error_code: field required") }
        guard let message = CoordinatorRequests.member(body, "error_message") else {
            throw .invalidPayload("error_message: field required")
        }
        errorCode = try CoordinatorRequests.string(code, field: "error_code")
        errorMessage = try CoordinatorRequests.string(message, field: "error_message")
        metrics =
            try CoordinatorRequests.member(body, "metrics").map { value throws(CoordinatorError) in
                try CoordinatorRequests.objectField(value, field: "metrics")
            } ?? .object([])
    }
}

/// Where a request document came from: its name in error messages and the members it carries
/// beside the operation's own fields.
public struct RequestDocument: Sendable {
    /// `body` or `message`.
    public let name: String
    /// Members every document of this kind may carry.
    public let envelope: [String]

    /// An HTTP request body: only the operation's fields.
    public static let httpBody = RequestDocument(name: "body", envelope: [])
    /// A miner WebSocket message: the HTTP body's fields plus `type`, `job_id` and `id`.
    public static let webSocketMessage = RequestDocument(name: "message", envelope: ["type", "id", "job_id"])
}
