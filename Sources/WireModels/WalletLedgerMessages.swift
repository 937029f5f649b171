public import JSON

// Balance, transfers and history through the wallet's chain adapter (issue 15 "Chain adapter";
// spec/wallet-daemon.md §11 for the offline ledger). Amounts are decimal strings (`"12"`,
// `"0.5"`; at most 18 fractional digits, never floats): the chain takes whole base units only,
// the offline ledger keeps fractions. Fees and nonces are unsigned integers (chain only).

extension WireFields {
    /// A decimal amount: a string of digits with an optional fraction, or an integer literal
    /// (read as its digits). The ledger checks the range and the fraction rules.
    /// - Throws: `WireDecodingError` `<field>: must be a decimal string such as "12.5"`.
    static func decimalAmount(_ value: JSONValue, field: String) throws(WireDecodingError) -> String {
        switch value {
        case .string(let text) where !text.isEmpty && text.utf8.count <= 64: return text
        case .integer(let integer) where !integer.isNegative: return integer.digits
        default: throw WireDecodingError(field: field, reason: "must be a decimal string such as \"12.5\"")
        }
    }
}

/// `GET /v1/wallets/{wallet_id}/balance[?account_id=]`.
public struct WalletBalanceView: WireMessage {
    /// The account asked about.
    public var accountID: String
    /// Its address.
    public var address: String
    /// The committed balance, a decimal string.
    public var balance: String
    /// Transactions applied from the account (chain only; nil offline).
    public var nonce: UInt64?
    /// The nonce of its next transaction, pending ones counted (chain only).
    public var nextNonce: UInt64?
    /// Transactions sent by this daemon and not yet included.
    public var pending: Int
    /// `chain` or `offline` (the reference's SQLite mock ledger, not a chain).
    public var ledger: String

    /// A balance.
    public init(accountID: String, address: String, balance: String, nonce: UInt64?, nextNonce: UInt64? = nil, pending: Int = 0, ledger: String) {
        self.accountID = accountID
        self.address = address
        self.balance = balance
        self.nonce = nonce
        self.nextNonce = nextNonce
        self.pending = pending
        self.ledger = ledger
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        accountID = try WireFields.string(try WireFields.required(body, "account_id"), field: "account_id")
        address = try WireFields.string(try WireFields.required(body, "address"), field: "address")
        balance = try WireFields.decimalAmount(try WireFields.required(body, "balance"), field: "balance")
        nonce = try WireFields.optional(body, "nonce", WireFields.unsigned)
        nextNonce = try WireFields.optional(body, "next_nonce", WireFields.unsigned)
        pending = try WireFields.optional(body, "pending", WireFields.integer) ?? 0
        ledger = try WireFields.string(try WireFields.required(body, "ledger"), field: "ledger")
    }

    /// Members in the order above (`nonce`, `next_nonce` null offline).
    public var json: JSONValue {
        .members([
            ("account_id", .string(accountID)), ("address", .string(address)), ("balance", .string(balance)),
            ("nonce", nonce.map { .uint($0) } ?? .null), ("next_nonce", nextNonce.map { .uint($0) } ?? .null), ("pending", .int(pending)),
            ("ledger", .string(ledger)),
        ])
    }
}

/// `POST /v1/wallets/{wallet_id}/send`: `{"to", "amount", "fee"?, "account_id"?, "password"?,
/// "memo"?}`. `password` may be left out while the wallet is unlocked; `fee` nil → the node's
/// estimate; `memo` is kept by the offline ledger only.
public struct WalletSendRequest: WireMessage {
    /// The recipient's `ait1…` address.
    public var to: String
    /// A decimal string (whole base units on the chain).
    public var amount: String
    /// Base units; nil → estimated.
    public var fee: UInt64?
    /// The paying account; nil → the primary account.
    public var accountID: String?
    /// The password, or nil to use the unlocked key.
    public var password: String?
    /// A note (offline ledger only).
    public var memo: String?

    /// A transfer of whole base units.
    public init(to: String, amount: UInt64, fee: UInt64? = nil, accountID: String? = nil, password: String? = nil, memo: String? = nil) {
        self.init(to: to, amount: String(amount), fee: fee, accountID: accountID, password: password, memo: memo)
    }

    /// A transfer of a decimal amount (fractions only offline).
    public init(to: String, amount: String, fee: UInt64? = nil, accountID: String? = nil, password: String? = nil, memo: String? = nil) {
        self.to = to
        self.amount = amount
        self.fee = fee
        self.accountID = accountID
        self.password = password
        self.memo = memo
    }

    static let members = ["to", "amount", "fee", "account_id", "password", "memo"]

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: Self.members, in: .httpBody)
        to = try WireFields.string(try WireFields.required(body, "to"), field: "to")
        amount = try WireFields.decimalAmount(try WireFields.required(body, "amount"), field: "amount")
        fee = try WireFields.optional(body, "fee", WireFields.unsigned)
        accountID = try WireFields.optional(body, "account_id", WireFields.string)
        password = try WireFields.optional(body, "password", WireFields.string)
        memo = try WireFields.optional(body, "memo", WireFields.string)
    }

    /// The body, optional members only when set.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("to", .string(to)), ("amount", .string(amount))]
        if let fee { pairs.append(("fee", .uint(fee))) }
        if let accountID { pairs.append(("account_id", .string(accountID))) }
        if let password { pairs.append(("password", .string(password))) }
        if let memo { pairs.append(("memo", .string(memo))) }
        return .members(pairs)
    }
}

/// A transfer as the wallet reports it (send reply and history item): `{"tx_hash", "from",
/// "to", "amount", "fee", "nonce", "memo", "status", "block_height", "created_at", "ledger"}`.
public struct WalletTransactionView: WireMessage {
    /// `0x…` hash on chain; the offline ledger's txid (`offline-…`) offline.
    public var txHash: String
    /// Sender address.
    public var from: String
    /// Recipient address.
    public var to: String
    /// A decimal string.
    public var amount: String
    /// Base units (chain only).
    public var fee: UInt64?
    /// The sender's nonce used (chain only).
    public var nonce: UInt64?
    /// The offline memo.
    public var memo: String?
    /// `pending`, `included`, `dropped` (chain) or `recorded` (offline).
    public var status: String
    /// The including block, when included.
    public var blockHeight: UInt64?
    /// When the wallet sent or recorded it (RFC 3339 UTC).
    public var createdAt: String?
    /// `chain` or `offline`.
    public var ledger: String?

    /// A transfer.
    public init(
        txHash: String, from: String, to: String, amount: String, fee: UInt64? = nil, nonce: UInt64? = nil, memo: String? = nil,
        status: String, blockHeight: UInt64? = nil, createdAt: String? = nil, ledger: String? = nil
    ) {
        self.txHash = txHash
        self.from = from
        self.to = to
        self.amount = amount
        self.fee = fee
        self.nonce = nonce
        self.memo = memo
        self.status = status
        self.blockHeight = blockHeight
        self.createdAt = createdAt
        self.ledger = ledger
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        txHash = try WireFields.string(try WireFields.required(body, "tx_hash"), field: "tx_hash")
        from = try WireFields.string(try WireFields.required(body, "from"), field: "from")
        to = try WireFields.string(try WireFields.required(body, "to"), field: "to")
        amount = try WireFields.decimalAmount(try WireFields.required(body, "amount"), field: "amount")
        fee = try WireFields.optional(body, "fee", WireFields.unsigned)
        nonce = try WireFields.optional(body, "nonce", WireFields.unsigned)
        memo = try WireFields.optional(body, "memo", WireFields.string)
        status = try WireFields.string(try WireFields.required(body, "status"), field: "status")
        blockHeight = try WireFields.optional(body, "block_height", WireFields.unsigned)
        createdAt = try WireFields.optional(body, "created_at", WireFields.string)
        ledger = try WireFields.optional(body, "ledger", WireFields.string)
    }

    /// Members in the order above, absent values as null.
    public var json: JSONValue {
        .members([
            ("tx_hash", .string(txHash)), ("from", .string(from)), ("to", .string(to)), ("amount", .string(amount)),
            ("fee", fee.map { .uint($0) } ?? .null), ("nonce", nonce.map { .uint($0) } ?? .null), ("memo", .optional(memo)),
            ("status", .string(status)), ("block_height", blockHeight.map { .uint($0) } ?? .null), ("created_at", .optional(createdAt)),
            ("ledger", .optional(ledger)),
        ])
    }
}

/// `GET /v1/wallets/{wallet_id}/transactions`: `{"items": [Transaction]}`, newest first.
public struct WalletTransactionListResponse: WireMessage {
    /// The transactions.
    public var items: [WalletTransactionView]

    /// A list.
    public init(items: [WalletTransactionView]) { self.items = items }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        var items: [WalletTransactionView] = []
        for item in try WireFields.array(try WireFields.required(body, "items"), field: "items") { items.append(try WalletTransactionView(json: item)) }
        self.items = items
    }

    /// `{"items": [...]}`.
    public var json: JSONValue { .members([("items", .array(items.map(\.json)))]) }
}
