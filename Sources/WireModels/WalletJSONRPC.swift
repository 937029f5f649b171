public import JSON

// JSON-RPC 2.0 envelopes of the wallet daemon's `POST /rpc` (spec/wallet-daemon.md §9 [TARGET];
// https://www.jsonrpc.org/specification).

/// A request id: a string, a number or null (JSON-RPC 2.0 §4). Kept as received, so the reply
/// echoes exactly the bytes the caller sent.
public struct JSONRPCID: Sendable, Equatable {
    /// The id value: `.string`, `.integer`, `.float` or `.null`.
    public let json: JSONValue

    /// The null id (replies to unparseable requests).
    public static let null = JSONRPCID(unchecked: .null)

    /// A string id.
    public init(_ text: String) { json = .string(text) }

    /// An integer id.
    public init(_ number: Int) { json = .integer(JSONInteger(number)) }

    private init(unchecked: JSONValue) { json = unchecked }

    /// The id, or nil when `json` is an object, array or boolean.
    public init?(json: JSONValue) {
        switch json {
        case .string, .integer, .float, .null: self.json = json
        default: return nil
        }
    }
}

/// The JSON-RPC error codes the daemon answers (§5.1 of the spec plus the wallet's own).
public enum JSONRPCErrorCode {
    /// Malformed JSON.
    public static let parseError = -32_700
    /// Not a valid request object (missing or wrong `jsonrpc`, non-object params, …).
    public static let invalidRequest = -32_600
    /// Unknown method.
    public static let methodNotFound = -32_601
    /// Missing or malformed params, and every creation refusal with the REST message.
    public static let invalidParams = -32_602
    /// An internal failure (never with secrets).
    public static let internalError = -32_603
    /// `invalid credentials` (unknown wallet or wrong password alike).
    public static let invalidCredentials = -32_001
    /// The wallet is locked and no password was given.
    public static let walletLocked = -32_002
    /// Wallet or account not found (routes that may say so).
    public static let notFound = -32_003
    /// `receipt not found`.
    public static let receiptNotFound = -32_004
    /// Rate limit or lockout; `data.retry_after` holds the seconds.
    public static let rateLimited = -32_005
    /// A dependency (coordinator, chain) is unavailable or not configured.
    public static let unavailable = -32_006
}

/// The method names (the reference's dotted names plus the target's additions).
public enum WalletRPCMethod: String, Sendable, CaseIterable {
    case receiptsVerifyLatest = "receipts.verify_latest"
    case receiptsVerifyHistory = "receipts.verify_history"
    case walletList = "wallet.list"
    case walletCreate = "wallet.create"
    case walletImportMnemonic = "wallet.import_mnemonic"
    case walletUnlock = "wallet.unlock"
    case walletLock = "wallet.lock"
    case walletSign = "wallet.sign"
    case walletDerive = "wallet.derive"
    case walletAccounts = "wallet.accounts"
}

/// One request object: `{"jsonrpc": "2.0", "method", "params"?, "id"?}`. Without `id` it is a
/// notification and gets no reply (`"id": null` is a request with a null id).
public struct JSONRPCRequest: WireMessage {
    /// The method name.
    public var method: String
    /// The params object; nil when absent.
    public var params: JSONValue?
    /// The id; nil for a notification.
    public var id: JSONRPCID?

    /// A request (or a notification when `id` is nil).
    public init(method: String, params: JSONValue? = nil, id: JSONRPCID?) {
        self.method = method
        self.params = params
        self.id = id
    }

    /// Whether no reply is owed.
    public var isNotification: Bool { id == nil }

    /// Decodes one request object; any rule broken is a -32600 for the server.
    /// - Throws: `WireDecodingError` naming the member (`jsonrpc: must be "2.0"`, …).
    public init(json: JSONValue) throws(WireDecodingError) {
        guard let members = json.objectValue else { throw WireDecodingError(field: "request", reason: "must be a JSON object") }
        guard json["jsonrpc"]?.stringValue == "2.0" else { throw WireDecodingError(field: "jsonrpc", reason: "must be \"2.0\"") }
        guard let method = json["method"]?.stringValue else { throw WireDecodingError(field: "method", reason: "must be a string") }
        self.method = method
        if let params = json["params"] {
            guard case .object = params else { throw WireDecodingError(field: "params", reason: "must be an object") }
            self.params = params
        } else {
            params = nil
        }
        if members.contains(where: { $0.key == "id" }) {
            guard let id = json["id"].flatMap(JSONRPCID.init(json:)) else {
                throw WireDecodingError(field: "id", reason: "must be a string, a number or null")
            }
            self.id = id
        } else {
            id = nil
        }
    }

    /// `{"jsonrpc", "method", "params"?, "id"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("jsonrpc", "2.0"), ("method", .string(method))]
        if let params { pairs.append(("params", params)) }
        if let id { pairs.append(("id", id.json)) }
        return .members(pairs)
    }
}

/// An error object: `{"code", "message", "data"?}`.
public struct JSONRPCErrorObject: Sendable, Equatable {
    /// One of `JSONRPCErrorCode`.
    public var code: Int
    /// A sentence (the REST `detail` where both exist).
    public var message: String
    /// Extra data (`{"retry_after": 4}`), or nil.
    public var data: JSONValue?

    /// An error.
    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// `{"code", "message", "data"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("code", .int(code)), ("message", .string(message))]
        if let data { pairs.append(("data", data)) }
        return .members(pairs)
    }
}

/// One reply: `{"jsonrpc": "2.0", "id", "result"}` or `{"jsonrpc": "2.0", "id", "error"}`.
public struct JSONRPCResponse: WireMessage {
    /// Success or failure.
    public enum Outcome: Sendable, Equatable {
        /// The method's result.
        case result(JSONValue)
        /// The error.
        case error(JSONRPCErrorObject)
    }

    /// The request's id (null when it could not be read).
    public var id: JSONRPCID
    /// The outcome.
    public var outcome: Outcome

    /// A reply.
    public init(id: JSONRPCID, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }

    /// A success.
    public static func result(_ value: JSONValue, id: JSONRPCID) -> JSONRPCResponse { JSONRPCResponse(id: id, outcome: .result(value)) }

    /// A failure.
    public static func error(_ code: Int, _ message: String, data: JSONValue? = nil, id: JSONRPCID) -> JSONRPCResponse {
        JSONRPCResponse(id: id, outcome: .error(JSONRPCErrorObject(code: code, message: message, data: data)))
    }

    /// Decodes leniently (the SDK's side).
    /// - Throws: `WireDecodingError` when neither `result` nor a well-formed `error` is present.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        id = body["id"].flatMap(JSONRPCID.init(json:)) ?? .null
        if let error = WireFields.member(body, "error") {
            let code = try WireFields.integer(try WireFields.required(error, "code"), field: "error.code")
            let message = try WireFields.string(try WireFields.required(error, "message"), field: "error.message")
            outcome = .error(JSONRPCErrorObject(code: code, message: message, data: WireFields.member(error, "data")))
        } else if let result = body["result"] {
            outcome = .result(result)
        } else {
            throw WireDecodingError(field: "result", reason: "field required")
        }
    }

    /// `{"jsonrpc", "id", "result"|"error"}`.
    public var json: JSONValue {
        switch outcome {
        case .result(let value): .members([("jsonrpc", "2.0"), ("id", id.json), ("result", value)])
        case .error(let error): .members([("jsonrpc", "2.0"), ("id", id.json), ("error", error.json)])
        }
    }
}
