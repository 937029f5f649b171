public import JSON

// Balance, transfers and history through the wallet's chain adapter (issue 15 "Chain adapter";
// spec/wallet-daemon.md §11 for the offline ledger). Amounts, fees and nonces are unsigned
// integers in base units (ARCHITECTURE.md: never floating point).

/// `GET /v1/wallets/{wallet_id}/balance[?account_id=]`.
public struct WalletBalanceView: WireMessage {
    /// The account asked about.
    public var accountID: String
    /// Its address.
    public var address: String
    /// Spendable balance in base units.
    public var balance: UInt64
    /// The account's confirmed nonce (the next transaction uses nonce + 1 + pending).
    public var nonce: UInt64
    /// Transactions sent by this daemon and not yet included.
    public var pending: Int
    /// `chain` or `offline` (the reference's SQLite mock ledger, not a chain).
    public var ledger: String

    /// A balance.
    public init(accountID: String, address: String, balance: UInt64, nonce: UInt64, pending: Int = 0, ledger: String) {
        self.accountID = accountID
        self.address = address
        self.balance = balance
        self.nonce = nonce
        self.pending = pending
        self.ledger = ledger
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        accountID = try WireFields.string(try WireFields.required(body, "account_id"), field: "account_id")
        address = try WireFields.string(try WireFields.required(body, "address"), field: "address")
        balance = try WireFields.unsigned(try WireFields.required(body, "balance"), field: "balance")
        nonce = try WireFields.unsigned(try WireFields.required(body, "nonce"), field: "nonce")
        pending = try WireFields.optional(body, "pending", WireFields.integer) ?? 0
        ledger = try WireFields.string(try WireFields.required(body, "ledger"), field: "ledger")
    }

    /// Members in the order above.
    public var json: JSONValue {
        .members([
            ("account_id", .string(accountID)), ("address", .string(address)), ("balance", .uint(balance)), ("nonce", .uint(nonce)),
            ("pending", .int(pending)), ("ledger", .string(ledger)),
        ])
    }
}

/// `POST /v1/wallets/{wallet_id}/send`: `{"to", "amount", "fee"?, "account_id"?, "password"?,
/// "memo"?}`. `password` may be left out while the wallet is unlocked; `fee` nil → the node's
/// estimate; `memo` is kept by the offline ledger only.
public struct WalletSendRequest: WireMessage {
    /// The recipient's `ait1…` address.
    public var to: String
    /// Base units.
    public var amount: UInt64
    /// Base units; nil → estimated.
    public var fee: UInt64?
    /// The paying account; nil → the primary account.
    public var accountID: String?
    /// The password, or nil to use the unlocked key.
    public var password: String?
    /// A note (offline ledger only).
    public var memo: String?

    /// A transfer.
    public init(to: String, amount: UInt64, fee: UInt64? = nil, accountID: String? = nil, password: String? = nil, memo: String? = nil) {
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
        amount = try WireFields.unsigned(try WireFields.required(body, "amount"), field: "amount")
        fee = try WireFields.optional(body, "fee", WireFields.unsigned)
        accountID = try WireFields.optional(body, "account_id", WireFields.string)
        password = try WireFields.optional(body, "password", WireFields.string)
        memo = try WireFields.optional(body, "memo", WireFields.string)
    }

    /// The body, optional members only when set.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("to", .string(to)), ("amount", .uint(amount))]
        if let fee { pairs.append(("fee", .uint(fee))) }
        if let accountID { pairs.append(("account_id", .string(accountID))) }
        if let password { pairs.append(("password", .string(password))) }
        if let memo { pairs.append(("memo", .string(memo))) }
        return .members(pairs)
    }
}

/// A transaction sent by the wallet (send reply, 202, and history item):
/// `{"tx_hash", "from", "to", "amount", "fee", "nonce", "status", "block_height"}`.
public struct WalletTransactionView: WireMessage {
    /// `0x…` hash on chain; the offline ledger's txid offline.
    public var txHash: String
    /// Sender address.
    public var from: String
    /// Recipient address.
    public var to: String
    /// Base units.
    public var amount: UInt64
    /// Base units.
    public var fee: UInt64
    /// The sender's nonce used.
    public var nonce: UInt64
    /// `pending`, `included` or `rejected`.
    public var status: String
    /// The including block, when included.
    public var blockHeight: UInt64?

    /// A transaction.
    public init(txHash: String, from: String, to: String, amount: UInt64, fee: UInt64, nonce: UInt64, status: String, blockHeight: UInt64? = nil) {
        self.txHash = txHash
        self.from = from
        self.to = to
        self.amount = amount
        self.fee = fee
        self.nonce = nonce
        self.status = status
        self.blockHeight = blockHeight
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        txHash = try WireFields.string(try WireFields.required(body, "tx_hash"), field: "tx_hash")
        from = try WireFields.string(try WireFields.required(body, "from"), field: "from")
        to = try WireFields.string(try WireFields.required(body, "to"), field: "to")
        amount = try WireFields.unsigned(try WireFields.required(body, "amount"), field: "amount")
        fee = try WireFields.unsigned(try WireFields.required(body, "fee"), field: "fee")
        nonce = try WireFields.unsigned(try WireFields.required(body, "nonce"), field: "nonce")
        status = try WireFields.string(try WireFields.required(body, "status"), field: "status")
        blockHeight = try WireFields.optional(body, "block_height", WireFields.unsigned)
    }

    /// Members in the order above (`block_height` null until included).
    public var json: JSONValue {
        .members([
            ("tx_hash", .string(txHash)), ("from", .string(from)), ("to", .string(to)), ("amount", .uint(amount)), ("fee", .uint(fee)),
            ("nonce", .uint(nonce)), ("status", .string(status)), ("block_height", blockHeight.map { .uint($0) } ?? .null),
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
