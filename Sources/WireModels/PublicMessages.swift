public import JSON

// Unauthenticated reads: health, the published receipt keys, the explorer's receipts, and the
// error body every failure carries.

/// `GET /v1/health`: `{"status":"ok","env":"<APP_ENV>"}`.
public struct HealthResponse: WireMessage {
    /// `ok`.
    public var status: String
    /// The deployment environment (`APP_ENV`).
    public var environment: String

    /// An answer.
    public init(status: String = "ok", environment: String) {
        self.status = status
        self.environment = environment
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        status = try WireFields.string(try WireFields.required(body, "status"), field: "status")
        environment = try WireFields.optional(body, "env", WireFields.string) ?? ""
    }

    /// `{"status", "env"}`.
    public var json: JSONValue { .members([("status", .string(status)), ("env", .string(environment))]) }
}

/// One published receipt key of `GET /v1/keys`.
public struct PublishedKey: WireMessage {
    /// The key id receipt signatures carry (unpadded base64url of the raw key).
    public var keyID: String
    /// The raw public key, 64 hex characters.
    public var publicKeyHex: String
    /// `Ed25519`.
    public var algorithm: String
    /// `receipt-signing` or `receipt-attestation`.
    public var use: String

    /// A key.
    public init(keyID: String, publicKeyHex: String, algorithm: String = "Ed25519", use: String) {
        self.keyID = keyID
        self.publicKeyHex = publicKeyHex
        self.algorithm = algorithm
        self.use = use
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        keyID = try WireFields.string(try WireFields.required(body, "key_id"), field: "key_id")
        publicKeyHex = try WireFields.string(try WireFields.required(body, "public_key_hex"), field: "public_key_hex")
        algorithm = try WireFields.string(try WireFields.required(body, "alg"), field: "alg")
        use = try WireFields.optional(body, "use", WireFields.string) ?? ""
    }

    /// `{"key_id", "public_key_hex", "alg", "use"}`.
    public var json: JSONValue {
        .members([("key_id", .string(keyID)), ("public_key_hex", .string(publicKeyHex)), ("alg", .string(algorithm)), ("use", .string(use))])
    }
}

/// `GET /v1/keys`: `{"keys":[…]}`, empty when the coordinator signs no receipts.
public struct PublishedKeysResponse: WireMessage {
    /// The keys.
    public var keys: [PublishedKey]

    /// An answer.
    public init(keys: [PublishedKey]) { self.keys = keys }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        var keys: [PublishedKey] = []
        for (index, element) in try WireFields.array(try WireFields.required(body, "keys"), field: "keys").enumerated() {
            do {
                keys.append(try PublishedKey(json: element))
            } catch {
                throw WireDecodingError(field: "keys[\(index)].\(error.field)", problem: error.problem)
            }
        }
        self.keys = keys
    }

    /// `{"keys"}`.
    public var json: JSONValue { .members([("keys", .array(keys.map(\.json)))]) }
}

/// The error body of every failure (spec §4, both styles at once so existing clients keep
/// working): `{"detail": "...", "error": {"code", "message"[, "details"]}}`.
public struct ErrorResponse: WireMessage, Error {
    /// The reference's `detail` text.
    public var detail: String
    /// Machine code (`JOB_NOT_FOUND`, `INVALID_PAYLOAD`, …).
    public var code: String
    /// Human text.
    public var message: String
    /// Facts for programs (`retry_after_seconds`, `limit_bytes`, …), or nil.
    public var details: JSONValue?

    /// An error body.
    public init(detail: String, code: String, message: String, details: JSONValue? = nil) {
        self.detail = detail
        self.code = code
        self.message = message
        self.details = details
    }

    /// Decodes leniently; a body with only the reference's `detail` gets an empty `code`.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        let error = try WireFields.optional(body, "error", WireFields.object)
        let detail = body["detail"]?.stringValue
        code = try error.flatMap { error throws(WireDecodingError) in try WireFields.optional(error, "code", WireFields.string) } ?? ""
        message =
            try error.flatMap { error throws(WireDecodingError) in try WireFields.optional(error, "message", WireFields.string) }
            ?? detail ?? ""
        self.detail = detail ?? message
        details = error.flatMap { WireFields.member($0, "details") }
    }

    /// `{"detail", "error": {"code", "message", "details"?}}`.
    public var json: JSONValue {
        var error: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if let details { error.append(("details", details)) }
        return .members([("detail", .string(detail)), ("error", .members(error))])
    }
}

/// An item of `GET /v1/explorer/receipts` (alias `/v1/receipts`): the documented keys
/// `receiptId, jobId, miner, coordinator, issuedAt, status`, billing facts and hashes — never
/// the receipt itself (its metadata holds the client's payload and result).
public struct ExplorerReceipt: WireMessage {
    /// The receipt.
    public var receiptID: ReceiptID
    /// Its job.
    public var jobID: JobID
    /// The miner that did the work (`provider`), when a string.
    public var miner: String?
    /// The attesting or signing key id, or the coordinator id.
    public var coordinator: String?
    /// When it was stored.
    public var issuedAt: WireTime
    /// `Attested` or `Signed`.
    public var status: String
    /// Units billed: a JSON number as in the receipt, or null.
    public var units: JSONValue
    /// `unit_type`.
    public var unitType: String?
    /// Price: a JSON number as in the receipt, or null.
    public var price: JSONValue
    /// Work start.
    public var startedAt: WireTime?
    /// Work end.
    public var completedAt: WireTime?
    /// `artifact_hash`.
    public var artifactHash: String?
    /// Hex SHA-256 of the canonical receipt.
    public var receiptHash: String?
    /// The signing key id.
    public var keyID: String?

    /// An item; `units` and `price` other than numbers become null.
    public init(
        receiptID: ReceiptID, jobID: JobID, miner: String?, coordinator: String?, issuedAt: WireTime, status: String, units: JSONValue,
        unitType: String?, price: JSONValue, startedAt: WireTime?, completedAt: WireTime?, artifactHash: String?, receiptHash: String?,
        keyID: String?
    ) {
        self.receiptID = receiptID
        self.jobID = jobID
        self.miner = miner
        self.coordinator = coordinator
        self.issuedAt = issuedAt
        self.status = status
        self.units = units.isNumber ? units : .null
        self.unitType = unitType
        self.price = price.isNumber ? price : .null
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.artifactHash = artifactHash
        self.receiptHash = receiptHash
        self.keyID = keyID
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        func string(_ key: String) throws(WireDecodingError) -> String? { try WireFields.optional(body, key, WireFields.string) }
        func time(_ key: String) throws(WireDecodingError) -> WireTime? {
            try WireFields.optional(body, key) { value, field throws(WireDecodingError) in try WireTime(json: value, field: field) }
        }
        func number(_ key: String) throws(WireDecodingError) -> JSONValue {
            guard let value = WireFields.member(body, key) else { return .null }
            guard value.isNumber else { throw WireDecodingError(field: key, reason: "must be a number") }
            return value
        }
        receiptID = try ReceiptID(json: try WireFields.required(body, "receiptId"), field: "receiptId")
        jobID = try JobID(json: try WireFields.required(body, "jobId"), field: "jobId")
        miner = try string("miner")
        coordinator = try string("coordinator")
        issuedAt = try WireTime(json: try WireFields.required(body, "issuedAt"), field: "issuedAt")
        status = try WireFields.string(try WireFields.required(body, "status"), field: "status")
        units = try number("units")
        unitType = try string("unitType")
        price = try number("price")
        startedAt = try time("startedAt")
        completedAt = try time("completedAt")
        artifactHash = try string("artifactHash")
        receiptHash = try string("receiptHash")
        keyID = try string("keyId")
    }

    /// The fourteen members, nulls included.
    public var json: JSONValue {
        .members([
            ("receiptId", receiptID.json), ("jobId", jobID.json), ("miner", .optional(miner)), ("coordinator", .optional(coordinator)),
            ("issuedAt", issuedAt.json), ("status", .string(status)), ("units", units), ("unitType", .optional(unitType)),
            ("price", price), ("startedAt", startedAt?.json ?? .null), ("completedAt", completedAt?.json ?? .null),
            ("artifactHash", .optional(artifactHash)), ("receiptHash", .optional(receiptHash)), ("keyId", .optional(keyID)),
        ])
    }
}

/// `GET /v1/explorer/receipts?job_id=&limit=&offset=`: `{"jobId", "items", "next_offset"}`.
public struct ExplorerReceiptsResponse: WireMessage {
    /// The `job_id` filter as given, or nil.
    public var jobID: String?
    /// The receipts.
    public var items: [ExplorerReceipt]
    /// The `offset` of the next page, nil on the last.
    public var nextOffset: Int?

    /// An answer.
    public init(jobID: String?, items: [ExplorerReceipt], nextOffset: Int?) {
        self.jobID = jobID
        self.items = items
        self.nextOffset = nextOffset
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let page = try ListPage<ExplorerReceipt>(json: json)
        items = page.items
        jobID = try WireFields.optional(json, "jobId", WireFields.string)
        nextOffset = try WireFields.optional(json, "next_offset", WireFields.integer)
    }

    /// `{"jobId", "items", "next_offset"}`.
    public var json: JSONValue {
        .members([("jobId", .optional(jobID)), ("items", .array(items.map(\.json))), ("next_offset", nextOffset.map { .int($0) } ?? .null)])
    }
}
