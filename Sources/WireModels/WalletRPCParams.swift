public import JSON

// Params and results of the wallet's JSON-RPC methods whose shape differs from REST (spec/
// wallet-daemon.md §9: `message`/`signature` instead of `message_base64`/`signature_base64`,
// `wallet_id` inside params). `wallet.create` takes `WalletCreateRequest`'s members and
// `wallet.import_mnemonic` `WalletImportMnemonicRequest`'s; results are the REST replies.

/// `wallet.unlock`: `{"wallet_id", "password", "ttl_seconds"?}`.
public struct WalletRPCUnlockParams: WireMessage {
    /// The wallet.
    public var walletID: String
    /// The password.
    public var password: String
    /// Requested unlock time; nil → `UNLOCK_TTL_SEC`.
    public var ttlSeconds: Int?

    /// Params.
    public init(walletID: String, password: String, ttlSeconds: Int? = nil) {
        self.walletID = walletID
        self.password = password
        self.ttlSeconds = ttlSeconds
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, Self.document)
        try WireFields.refuseUnknown(body, known: ["wallet_id", "password", "ttl_seconds"], in: Self.document)
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        password = try WireFields.string(try WireFields.required(body, "password"), field: "password")
        ttlSeconds = try WireFields.optional(body, "ttl_seconds", WireFields.integer)
    }

    static let document = WireDocument(name: "params", envelope: [])

    /// `{"wallet_id", "password", "ttl_seconds"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet_id", .string(walletID)), ("password", .string(password))]
        if let ttlSeconds { pairs.append(("ttl_seconds", .int(ttlSeconds))) }
        return .members(pairs)
    }
}

/// `wallet.sign`: `{"wallet_id", "password"?, "message" (base64), "account_id"?}`.
public struct WalletRPCSignParams: WireMessage {
    /// The wallet.
    public var walletID: String
    /// The password, or nil while unlocked.
    public var password: String?
    /// The message, standard padded base64.
    public var message: String
    /// The signing account; nil → primary.
    public var accountID: String?

    /// Params.
    public init(walletID: String, password: String? = nil, message: String, accountID: String? = nil) {
        self.walletID = walletID
        self.password = password
        self.message = message
        self.accountID = accountID
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, WalletRPCUnlockParams.document)
        try WireFields.refuseUnknown(body, known: ["wallet_id", "password", "message", "account_id"], in: WalletRPCUnlockParams.document)
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        password = try WireFields.optional(body, "password", WireFields.string)
        message = try WireFields.string(try WireFields.required(body, "message"), field: "message")
        accountID = try WireFields.optional(body, "account_id", WireFields.string)
    }

    /// The params, optional members only when set.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet_id", .string(walletID))]
        if let password { pairs.append(("password", .string(password))) }
        pairs.append(("message", .string(message)))
        if let accountID { pairs.append(("account_id", .string(accountID))) }
        return .members(pairs)
    }
}

/// `wallet.sign` result: `{"wallet_id", "signature"}` (base64) plus `public_key` and `domain`.
public struct WalletRPCSignResult: WireMessage {
    /// The wallet.
    public var walletID: String
    /// The signature, standard padded base64.
    public var signature: String
    /// The signing key, hex; nil from a reference daemon.
    public var publicKey: String?
    /// The signing domain; nil from a reference daemon.
    public var domain: String?

    /// A result.
    public init(walletID: String, signature: String, publicKey: String? = nil, domain: String? = nil) {
        self.walletID = walletID
        self.signature = signature
        self.publicKey = publicKey
        self.domain = domain
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        signature = try WireFields.string(try WireFields.required(body, "signature"), field: "signature")
        publicKey = try WireFields.optional(body, "public_key", WireFields.string)
        domain = try WireFields.optional(body, "domain", WireFields.string)
    }

    /// `{"wallet_id", "signature", "public_key"?, "domain"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet_id", .string(walletID)), ("signature", .string(signature))]
        if let publicKey { pairs.append(("public_key", .string(publicKey))) }
        if let domain { pairs.append(("domain", .string(domain))) }
        return .members(pairs)
    }
}

/// `wallet.lock`, `wallet.accounts` (`{"wallet_id"}`) and `wallet.derive` (`{"wallet_id",
/// "path", "password"?}`).
public struct WalletRPCWalletParams: WireMessage {
    /// The wallet.
    public var walletID: String
    /// The derivation path (`wallet.derive` only).
    public var path: String?
    /// The password (`wallet.derive` on a locked wallet).
    public var password: String?

    /// Params.
    public init(walletID: String, path: String? = nil, password: String? = nil) {
        self.walletID = walletID
        self.path = path
        self.password = password
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, WalletRPCUnlockParams.document)
        try WireFields.refuseUnknown(body, known: ["wallet_id", "path", "password"], in: WalletRPCUnlockParams.document)
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        path = try WireFields.optional(body, "path", WireFields.string)
        password = try WireFields.optional(body, "password", WireFields.string)
    }

    /// The params, optional members only when set.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet_id", .string(walletID))]
        if let path { pairs.append(("path", .string(path))) }
        if let password { pairs.append(("password", .string(password))) }
        return .members(pairs)
    }
}

/// `receipts.verify_latest` and `receipts.verify_history`: `{"job_id"}`.
public struct WalletRPCJobParams: WireMessage {
    /// The job.
    public var jobID: String

    /// Params.
    public init(jobID: String) { self.jobID = jobID }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, WalletRPCUnlockParams.document)
        try WireFields.refuseUnknown(body, known: ["job_id"], in: WalletRPCUnlockParams.document)
        jobID = try WireFields.string(try WireFields.required(body, "job_id"), field: "job_id")
    }

    /// `{"job_id"}`.
    public var json: JSONValue { .members([("job_id", .string(jobID))]) }
}
