public import JSON

// The wallet daemon's wallet routes (spec/wallet-daemon.md §8): requests decode strictly (the
// daemon's side), responses leniently (the SDK's side). Field names are the reference's.

/// A wallet's metadata: a string→string map. The reference coerces scalar values to their
/// Python `str()` text (`{"n":1}` becomes `{"n":"1"}`, `true` becomes `"True"`); nested values
/// and null are refused. Encoded with keys sorted, so equal maps give equal bytes.
public struct WalletMetadata: Sendable, Equatable {
    /// The entries.
    public var values: [String: String]

    /// Most entries accepted (the body limit bounds the rest).
    public static let maxEntries = 64

    /// A map.
    public init(_ values: [String: String] = [:]) { self.values = values }

    /// Decodes an object, coercing scalars.
    /// - Throws: `WireDecodingError` `metadata: must be an object` or `metadata.<key>: must be a string, number or boolean`.
    public init(json: JSONValue, field: String = "metadata") throws(WireDecodingError) {
        guard let members = json.objectValue else { throw WireDecodingError(field: field, reason: "must be an object") }
        guard members.count <= Self.maxEntries else {
            throw WireDecodingError(field: field, reason: "at most \(Self.maxEntries) entries")
        }
        var values: [String: String] = [:]
        for member in members {
            switch member.value {
            case .string(let text): values[member.key] = text
            case .bool(let flag): values[member.key] = flag ? "True" : "False"
            case .integer(let integer): values[member.key] = integer.digits
            case .float:
                values[member.key] = (try? JSONSerializer().serialize(member.value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            default:
                throw WireDecodingError(field: "\(field).\(member.key)", reason: "must be a string, number or boolean")
            }
        }
        self.values = values
    }

    /// The map, keys sorted.
    public var json: JSONValue {
        .object(values.keys.sorted().map { JSONMember(key: $0, value: .string(values[$0] ?? "")) })
    }
}

/// `Wallet = {"wallet_id", "public_key" (hex), "metadata"}` plus the target's `kind` (`raw` or
/// `hd`) and `address` (the primary account's `ait1…`), which older clients ignore.
public struct WalletView: WireMessage {
    /// The wallet's id.
    public var walletID: String
    /// The primary public key, 64 lowercase hex.
    public var publicKey: String
    /// The metadata (the ledger's copy when it has one).
    public var metadata: WalletMetadata
    /// `raw` or `hd`; nil from a reference daemon.
    public var kind: String?
    /// The primary account's address; nil from a reference daemon.
    public var address: String?

    /// A wallet.
    public init(walletID: String, publicKey: String, metadata: WalletMetadata, kind: String? = nil, address: String? = nil) {
        self.walletID = walletID
        self.publicKey = publicKey
        self.metadata = metadata
        self.kind = kind
        self.address = address
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError` for a missing or malformed member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        publicKey = try WireFields.string(try WireFields.required(body, "public_key"), field: "public_key")
        metadata = try WireFields.member(body, "metadata").map { value throws(WireDecodingError) in try WalletMetadata(json: value) }
            ?? WalletMetadata()
        kind = try WireFields.optional(body, "kind", WireFields.string)
        address = try WireFields.optional(body, "address", WireFields.string)
    }

    /// `{"wallet_id","public_key","metadata","kind"?,"address"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet_id", .string(walletID)), ("public_key", .string(publicKey)), ("metadata", metadata.json)]
        if let kind { pairs.append(("kind", .string(kind))) }
        if let address { pairs.append(("address", .string(address))) }
        return .members(pairs)
    }
}

/// `POST /v1/wallets`: `{"wallet_id", "password", "metadata"?, "secret_key"?}` (reference) plus
/// the target's `kind` (`raw`, the default, or `hd`) and `mnemonic_words` (12/15/18/21/24, for
/// `hd`; the daemon answers the generated mnemonic once). Values are checked by the daemon, in
/// the spec's order, so the `detail` strings stay the reference's.
public struct WalletCreateRequest: WireMessage {
    /// The requested id (validated by the daemon: 400 before any file access).
    public var walletID: String
    /// The password (never logged, never echoed).
    public var password: String
    /// Optional metadata.
    public var metadata: WalletMetadata?
    /// A caller-supplied 32-byte Ed25519 seed in standard padded base64 (`raw` only).
    public var secretKey: String?
    /// `raw` or `hd`; nil means `raw`.
    public var kind: String?
    /// Mnemonic length for `hd`; nil means 24.
    public var mnemonicWords: Int?

    /// A creation request.
    public init(
        walletID: String, password: String, metadata: WalletMetadata? = nil, secretKey: String? = nil, kind: String? = nil,
        mnemonicWords: Int? = nil
    ) {
        self.walletID = walletID
        self.password = password
        self.metadata = metadata
        self.secretKey = secretKey
        self.kind = kind
        self.mnemonicWords = mnemonicWords
    }

    static let members = ["wallet_id", "password", "metadata", "secret_key", "kind", "mnemonic_words"]

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: Self.members, in: .httpBody)
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        password = try WireFields.string(try WireFields.required(body, "password"), field: "password")
        metadata = try WireFields.member(body, "metadata").map { value throws(WireDecodingError) in try WalletMetadata(json: value) }
        secretKey = try WireFields.optional(body, "secret_key", WireFields.string)
        kind = try WireFields.optional(body, "kind", WireFields.string)
        mnemonicWords = try WireFields.optional(body, "mnemonic_words", WireFields.integer)
    }

    /// The body, optional members only when set.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet_id", .string(walletID)), ("password", .string(password))]
        if let metadata { pairs.append(("metadata", metadata.json)) }
        if let secretKey { pairs.append(("secret_key", .string(secretKey))) }
        if let kind { pairs.append(("kind", .string(kind))) }
        if let mnemonicWords { pairs.append(("mnemonic_words", .int(mnemonicWords))) }
        return .members(pairs)
    }
}

/// `POST /v1/wallets/import-mnemonic`: restores an `hd` wallet from a BIP-39 mnemonic.
public struct WalletImportMnemonicRequest: WireMessage {
    /// The new wallet's id.
    public var walletID: String
    /// The password that encrypts the seed.
    public var password: String
    /// The English BIP-39 mnemonic (checked: words and checksum).
    public var mnemonic: String
    /// The optional BIP-39 passphrase ("25th word"); never stored.
    public var passphrase: String?
    /// Optional metadata.
    public var metadata: WalletMetadata?

    /// An import request.
    public init(walletID: String, password: String, mnemonic: String, passphrase: String? = nil, metadata: WalletMetadata? = nil) {
        self.walletID = walletID
        self.password = password
        self.mnemonic = mnemonic
        self.passphrase = passphrase
        self.metadata = metadata
    }

    static let members = ["wallet_id", "password", "mnemonic", "passphrase", "metadata"]

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: Self.members, in: .httpBody)
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        password = try WireFields.string(try WireFields.required(body, "password"), field: "password")
        mnemonic = try WireFields.string(try WireFields.required(body, "mnemonic"), field: "mnemonic")
        passphrase = try WireFields.optional(body, "passphrase", WireFields.string)
        metadata = try WireFields.member(body, "metadata").map { value throws(WireDecodingError) in try WalletMetadata(json: value) }
    }

    /// The body, optional members only when set.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet_id", .string(walletID)), ("password", .string(password)), ("mnemonic", .string(mnemonic))]
        if let passphrase { pairs.append(("passphrase", .string(passphrase))) }
        if let metadata { pairs.append(("metadata", metadata.json)) }
        return .members(pairs)
    }
}

/// 201 `{"wallet": Wallet}` of create and import; `mnemonic` only when the daemon generated one
/// (`kind: "hd"` create): shown once, never stored.
public struct WalletCreateResponse: WireMessage {
    /// The new wallet.
    public var wallet: WalletView
    /// The generated mnemonic, or nil.
    public var mnemonic: String?

    /// A reply.
    public init(wallet: WalletView, mnemonic: String? = nil) {
        self.wallet = wallet
        self.mnemonic = mnemonic
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        wallet = try WalletView(json: try WireFields.required(body, "wallet"))
        mnemonic = try WireFields.optional(body, "mnemonic", WireFields.string)
    }

    /// `{"wallet", "mnemonic"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("wallet", wallet.json)]
        if let mnemonic { pairs.append(("mnemonic", .string(mnemonic))) }
        return .members(pairs)
    }
}

/// `GET /v1/wallets` and RPC `wallet.list`: `{"items": [Wallet]}`.
public struct WalletListResponse: WireMessage {
    /// The wallets, by id.
    public var items: [WalletView]

    /// A list.
    public init(items: [WalletView]) { self.items = items }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        var items: [WalletView] = []
        for item in try WireFields.array(try WireFields.required(body, "items"), field: "items") { items.append(try WalletView(json: item)) }
        self.items = items
    }

    /// `{"items": [...]}`.
    public var json: JSONValue { .members([("items", .array(items.map(\.json)))]) }
}
