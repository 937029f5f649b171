public import JSON

// Accounts and addresses (spec/wallet-daemon.md §5, §7, §8 [TARGET]).

/// `POST /v1/wallets/{wallet_id}/accounts`: `{"path"}`, e.g. `m/44'/12345'/0'/0'/1'` (every
/// component hardened; `h` or `'`). Deriving the same path twice answers the same account.
public struct WalletDeriveAccountRequest: WireMessage {
    /// The SLIP-10 path.
    public var path: String
    /// The wallet's password, or nil while it is unlocked.
    public var password: String?

    /// A request.
    public init(path: String, password: String? = nil) {
        self.path = path
        self.password = password
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["path", "password"], in: .httpBody)
        path = try WireFields.string(try WireFields.required(body, "path"), field: "path")
        password = try WireFields.optional(body, "password", WireFields.string)
    }

    /// `{"path", "password"?}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("path", .string(path))]
        if let password { pairs.append(("password", .string(password))) }
        return .members(pairs)
    }
}

/// An account (public data only): `{"account_id", "wallet_id", "curve", "path", "public_key",
/// "address", "tags"}`. `account_id` is `<wallet>:imported` for a raw wallet and
/// `<wallet>:<account>:<change>:<index>` for a derived one.
public struct WalletAccountView: WireMessage {
    /// The account's id.
    public var accountID: String
    /// Its wallet.
    public var walletID: String
    /// Always `ed25519`.
    public var curve: String
    /// `m/…` or `imported`.
    public var path: String
    /// 64 lowercase hex.
    public var publicKey: String
    /// The `ait1…` address.
    public var address: String
    /// Free-form labels.
    public var tags: [String]

    /// An account.
    public init(accountID: String, walletID: String, curve: String = "ed25519", path: String, publicKey: String, address: String, tags: [String] = []) {
        self.accountID = accountID
        self.walletID = walletID
        self.curve = curve
        self.path = path
        self.publicKey = publicKey
        self.address = address
        self.tags = tags
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        accountID = try WireFields.string(try WireFields.required(body, "account_id"), field: "account_id")
        walletID = try WireFields.string(try WireFields.required(body, "wallet_id"), field: "wallet_id")
        curve = try WireFields.string(try WireFields.required(body, "curve"), field: "curve")
        path = try WireFields.string(try WireFields.required(body, "path"), field: "path")
        publicKey = try WireFields.string(try WireFields.required(body, "public_key"), field: "public_key")
        address = try WireFields.string(try WireFields.required(body, "address"), field: "address")
        var tags: [String] = []
        for tag in try WireFields.optional(body, "tags", WireFields.array) ?? [] { tags.append(try WireFields.string(tag, field: "tags")) }
        self.tags = tags
    }

    /// Members in the order above.
    public var json: JSONValue {
        .members([
            ("account_id", .string(accountID)), ("wallet_id", .string(walletID)), ("curve", .string(curve)), ("path", .string(path)),
            ("public_key", .string(publicKey)), ("address", .string(address)), ("tags", .array(tags.map { .string($0) })),
        ])
    }
}

/// `GET /v1/wallets/{wallet_id}/accounts` and RPC `wallet.accounts`: `{"items": [Account]}`.
public struct WalletAccountListResponse: WireMessage {
    /// The accounts, by id.
    public var items: [WalletAccountView]

    /// A list.
    public init(items: [WalletAccountView]) { self.items = items }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        var items: [WalletAccountView] = []
        for item in try WireFields.array(try WireFields.required(body, "items"), field: "items") { items.append(try WalletAccountView(json: item)) }
        self.items = items
    }

    /// `{"items": [...]}`.
    public var json: JSONValue { .members([("items", .array(items.map(\.json)))]) }
}

/// `GET /v1/address/{account_id}`: `{"account_id", "address", "curve", "public_key"}`.
public struct WalletAddressView: WireMessage {
    /// The account.
    public var accountID: String
    /// Its `ait1…` address.
    public var address: String
    /// Always `ed25519`.
    public var curve: String
    /// 64 lowercase hex.
    public var publicKey: String

    /// An address.
    public init(accountID: String, address: String, curve: String = "ed25519", publicKey: String) {
        self.accountID = accountID
        self.address = address
        self.curve = curve
        self.publicKey = publicKey
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        accountID = try WireFields.string(try WireFields.required(body, "account_id"), field: "account_id")
        address = try WireFields.string(try WireFields.required(body, "address"), field: "address")
        curve = try WireFields.string(try WireFields.required(body, "curve"), field: "curve")
        publicKey = try WireFields.string(try WireFields.required(body, "public_key"), field: "public_key")
    }

    /// Members in the order above.
    public var json: JSONValue {
        .members([("account_id", .string(accountID)), ("address", .string(address)), ("curve", .string(curve)), ("public_key", .string(publicKey))])
    }
}
