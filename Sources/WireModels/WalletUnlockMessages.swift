public import JSON

// Unlock, lock and message signing (spec/wallet-daemon.md §8, §10).

/// `POST /v1/wallets/{wallet_id}/unlock`: `{"password", "ttl_seconds"?}`. The key stays
/// unlocked for `ttl_seconds` (at most the daemon's `UNLOCK_TTL_SEC`, its default) from now.
public struct WalletUnlockRequest: WireMessage {
    /// The password.
    public var password: String
    /// Requested unlock time; nil → `UNLOCK_TTL_SEC`.
    public var ttlSeconds: Int?

    /// A request.
    public init(password: String, ttlSeconds: Int? = nil) {
        self.password = password
        self.ttlSeconds = ttlSeconds
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["password", "ttl_seconds"], in: .httpBody)
        password = try WireFields.string(try WireFields.required(body, "password"), field: "password")
        ttlSeconds = try WireFields.optional(body, "ttl_seconds", WireFields.integer)
    }

    /// `{"password", "ttl_seconds"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("password", .string(password))]
        if let ttlSeconds { pairs.append(("ttl_seconds", .int(ttlSeconds))) }
        return .members(pairs)
    }
}

/// Unlock and lock reply: `{"wallet_id", "unlocked"}` (reference) plus `expires_at` (RFC 3339,
/// when an unlock ends) on unlock.
public struct WalletUnlockState: WireMessage {
    /// The wallet.
    public var walletID: String
    /// True after unlock, false after lock.
    public var unlocked: Bool
    /// When the unlock expires; nil after lock.
    public var expiresAt: String?

    /// A state.
    public init(walletID: String, unlocked: Bool, expiresAt: String? = nil) {
        self.walletID = walletID
        self.unlocked = unlocked
        self.expiresAt = expiresAt
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        guard let unlocked = try WireFields.required(body, "unlocked").boolValue else {
            throw WireDecodingError(field: "unlocked", reason: "must be a boolean")
        }
        self.unlocked = unlocked
        expiresAt = try WireFields.optional(body, "expires_at", WireFields.string)
    }

    /// `{"wallet_id", "unlocked", "expires_at"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet_id", .string(walletID)), ("unlocked", .bool(unlocked))]
        if let expiresAt { pairs.append(("expires_at", .string(expiresAt))) }
        return .members(pairs)
    }
}

/// `POST /v1/wallets/{wallet_id}/sign`: `{"password"?, "message_base64", "account_id"?}`.
/// `password` may be left out while the wallet is unlocked; `account_id` picks a derived
/// account of an `hd` wallet (default: the primary key). The daemon signs the message under the
/// message domain (`WalletSigningDomain.messagePrefix` ‖ bytes), never the raw bytes.
public struct WalletSignRequest: WireMessage {
    /// The password, or nil to use the unlocked key.
    public var password: String?
    /// The message, standard padded base64 (decoded strictly).
    public var messageBase64: String
    /// The signing account; nil → the wallet's primary key.
    public var accountID: String?

    /// A request.
    public init(password: String? = nil, messageBase64: String, accountID: String? = nil) {
        self.password = password
        self.messageBase64 = messageBase64
        self.accountID = accountID
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["password", "message_base64", "account_id"], in: .httpBody)
        password = try WireFields.optional(body, "password", WireFields.string)
        messageBase64 = try WireFields.string(try WireFields.required(body, "message_base64"), field: "message_base64")
        accountID = try WireFields.optional(body, "account_id", WireFields.string)
    }

    /// The body, optional members only when set.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = []
        if let password { pairs.append(("password", .string(password))) }
        pairs.append(("message_base64", .string(messageBase64)))
        if let accountID { pairs.append(("account_id", .string(accountID))) }
        return .members(pairs)
    }
}

/// Sign reply: `{"wallet_id", "signature_base64"}` (reference) plus `public_key` (hex, the key
/// that signed) and `domain` (what was signed: `message`).
public struct WalletSignResponse: WireMessage {
    /// The wallet.
    public var walletID: String
    /// The 64-byte Ed25519 signature, standard padded base64 (88 characters).
    public var signatureBase64: String
    /// The signing public key, 64 lowercase hex; nil from a reference daemon.
    public var publicKey: String?
    /// The signing domain; nil from a reference daemon (which signed raw bytes).
    public var domain: String?

    /// A reply.
    public init(walletID: String, signatureBase64: String, publicKey: String? = nil, domain: String? = nil) {
        self.walletID = walletID
        self.signatureBase64 = signatureBase64
        self.publicKey = publicKey
        self.domain = domain
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        signatureBase64 = try WireFields.string(try WireFields.required(body, "signature_base64"), field: "signature_base64")
        publicKey = try WireFields.optional(body, "public_key", WireFields.string)
        domain = try WireFields.optional(body, "domain", WireFields.string)
    }

    /// `{"wallet_id", "signature_base64", "public_key"?, "domain"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet_id", .string(walletID)), ("signature_base64", .string(signatureBase64))]
        if let publicKey { pairs.append(("public_key", .string(publicKey))) }
        if let domain { pairs.append(("domain", .string(domain))) }
        return .members(pairs)
    }
}

/// The signing domains (issue 15: messages, chain transactions and receipts each under their
/// own prefix, so a signature made for one can never be replayed as another). A chain
/// transaction is signed over its 32-byte id (the Ledger module's rule) and only for a
/// transaction the daemon built itself; a receipt is canonical JSON, which starts with `{`; a
/// message signature covers `messagePrefix` ‖ message, which is neither (an id starting with
/// the prefix would be a SHA-256 preimage), so no caller bytes can become a tx or receipt
/// signature.
public enum WalletSigningDomain: String, Sendable, CaseIterable {
    /// `POST .../sign`: arbitrary caller bytes.
    case message
    /// A chain transaction built by the daemon (the chain adapter).
    case transaction
    /// A compute receipt's canonical JSON.
    case receipt

    /// What a message signature covers before the message bytes.
    public static let messagePrefix: [UInt8] = Array("AITBC signed message v1\n".utf8)
}
