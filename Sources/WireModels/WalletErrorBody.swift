public import JSON

/// The wallet daemon's error body (spec/wallet-daemon.md §8): the reference's `{"detail":
/// "<string>"}`, with the target's `code` (`WALLET_LOCKED`, `NOT_FOUND`, `BAD_PASSWORD`,
/// `RATE_LIMIT`, …) on new routes, or the 422 list `{"detail": [{"loc", "msg", "type"}]}` for a
/// body that breaks the schema.
public struct WalletErrorBody: WireMessage {
    /// One schema violation, as the reference's framework reports it.
    public struct Issue: Sendable, Equatable {
        /// Where: `["body", "password"]`.
        public var loc: [String]
        /// What: `field required`.
        public var msg: String
        /// The kind: `value_error.missing`, `type_error`, `value_error`.
        public var type: String

        /// An issue.
        public init(loc: [String], msg: String, type: String) {
            self.loc = loc
            self.msg = msg
            self.type = type
        }

        /// `{"loc", "msg", "type"}`.
        public var json: JSONValue { .members([("loc", .array(loc.map { .string($0) })), ("msg", .string(msg)), ("type", .string(type))]) }
    }

    /// The detail: a sentence or a list of schema issues.
    public enum Detail: Sendable, Equatable {
        /// `"invalid credentials"`.
        case message(String)
        /// 422 issues.
        case issues([Issue])
    }

    /// The detail.
    public var detail: Detail
    /// The target's machine-readable code, or nil on the reference's routes.
    public var code: String?

    /// A sentence detail.
    public init(_ message: String, code: String? = nil) {
        detail = .message(message)
        self.code = code
    }

    /// A schema-violation detail.
    public init(issues: [Issue]) {
        detail = .issues(issues)
        code = nil
    }

    /// The sentence, or the issues joined as `loc: msg` (what an SDK shows a user).
    public var message: String {
        switch detail {
        case .message(let text): text
        case .issues(let issues): issues.map { "\($0.loc.joined(separator: ".")): \($0.msg)" }.joined(separator: "; ")
        }
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError` when `detail` is neither a string nor a list.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        let detail = try WireFields.required(body, "detail")
        if let text = detail.stringValue {
            self.detail = .message(text)
        } else if let items = detail.arrayValue {
            self.detail = .issues(
                items.map { item in
                    Issue(
                        loc: (item["loc"]?.arrayValue ?? []).map { $0.stringValue ?? $0.int64Value.map(String.init) ?? "" },
                        msg: item["msg"]?.stringValue ?? "", type: item["type"]?.stringValue ?? "")
                })
        } else {
            throw WireDecodingError(field: "detail", reason: "must be a string or an array")
        }
        code = try WireFields.optional(body, "code", WireFields.string)
    }

    /// `{"detail", "code"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)]
        switch detail {
        case .message(let text): pairs = [("detail", .string(text))]
        case .issues(let issues): pairs = [("detail", .array(issues.map(\.json)))]
        }
        if let code { pairs.append(("code", .string(code))) }
        return .members(pairs)
    }
}
