public import JSON

// The chain node's WebSocket RPC (`/rpc/ws`, docs/chain-node.md "WebSocket RPC"): a client sends
// `subscribe` / `unsubscribe`; the node answers `subscribed` / `unsubscribed` / `error` and sends
// frames whose `data` is exactly the REST body of the same thing. Requests decode strictly (the
// node refuses what it would not act on); the node's messages decode leniently.

/// What a subscription follows.
public enum ChainSubscriptionTopic: String, Sendable, CaseIterable {
    /// Every block: `GET /rpc/blocks/{h}`.
    case heads
    /// Included transactions (pending ones too on request): `GET /rpc/tx/{hash}`.
    case txs
    /// Accounts a block changed: `GET /rpc/getBalance/{address}`.
    case accounts
    /// One receipt, once claimed: `GET /rpc/receipts/{id}`.
    case receipt

    /// The topic named by `json`.
    /// - Throws: `WireDecodingError` `<field>: must be heads, txs, accounts or receipt`.
    public init(json: JSONValue, field: String) throws(WireDecodingError) {
        guard let text = json.stringValue, let topic = ChainSubscriptionTopic(rawValue: text) else {
            throw WireDecodingError(field: field, reason: "must be heads, txs, accounts or receipt")
        }
        self = topic
    }
}

/// A subscription's filter; which members apply depends on the topic.
public struct ChainSubscriptionFilter: Sendable, Equatable {
    /// Most addresses one `accounts` subscription follows.
    public static let maxAddresses = 100

    /// `txs`: only transactions this address sent or receives.
    public var address: Address?
    /// `txs`: also transactions as they enter the mempool (status `pending`).
    public var includePending: Bool
    /// `accounts`: the accounts followed (1…100).
    public var addresses: [Address]
    /// `receipt`: the receipt followed.
    public var receiptID: ReceiptID?

    /// A filter; the defaults filter nothing.
    public init(address: Address? = nil, includePending: Bool = false, addresses: [Address] = [], receiptID: ReceiptID? = nil) {
        self.address = address
        self.includePending = includePending
        self.addresses = addresses
        self.receiptID = receiptID
    }

    /// Decodes strictly the filter of `topic` (absent: `{}`).
    /// - Throws: `WireDecodingError` naming `filter.<member>`.
    public init(json: JSONValue?, topic: ChainSubscriptionTopic) throws(WireDecodingError) {
        self.init()
        let body = try json.map { (value) throws(WireDecodingError) in try WireFields.object(value, field: "filter") } ?? .object([])
        let known: [String] =
            switch topic {
            case .heads: []
            case .txs: ["address", "include_pending"]
            case .accounts: ["addresses"]
            case .receipt: ["receipt_id"]
            }
        if let unknown = (body.objectValue ?? []).map(\.key).first(where: { !known.contains($0) }) {
            throw WireDecodingError(field: "filter", problem: .unknownMembers([unknown], known: known, inDocument: false))
        }
        switch topic {
        case .heads:
            break
        case .txs:
            address = try WireFields.optional(body, "address") { value, _ throws(WireDecodingError) in
                try Address(json: value, field: "filter.address")
            }
            if let pending = WireFields.member(body, "include_pending") {
                guard let flag = pending.boolValue else { throw WireDecodingError(field: "filter.include_pending", reason: "must be a boolean") }
                includePending = flag
            }
        case .accounts:
            guard let list = WireFields.member(body, "addresses") else { throw WireDecodingError(field: "filter.addresses", reason: "field required") }
            let items = try WireFields.array(list, field: "filter.addresses")
            guard (1...Self.maxAddresses).contains(items.count) else {
                throw WireDecodingError(field: "filter.addresses", reason: "must hold 1…\(Self.maxAddresses) addresses")
            }
            for (index, item) in items.enumerated() {
                let address = try Address(json: item, field: "filter.addresses[\(index)]")
                if !addresses.contains(address) { addresses.append(address) }
            }
        case .receipt:
            guard let id = WireFields.member(body, "receipt_id") else { throw WireDecodingError(field: "filter.receipt_id", reason: "field required") }
            receiptID = try ReceiptID(json: id, field: "filter.receipt_id")
        }
    }

    /// The filter's members that are set.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = []
        if let address { pairs.append(("address", address.json)) }
        if includePending { pairs.append(("include_pending", .bool(true))) }
        if !addresses.isEmpty { pairs.append(("addresses", .array(addresses.map(\.json)))) }
        if let receiptID { pairs.append(("receipt_id", receiptID.json)) }
        return .members(pairs)
    }
}

/// `{"op":"subscribe","id","topic","filter"?,"since"?}`: follow `topic` from the next block, or
/// from the block after `since` (every frame of every later block, then live).
public struct ChainSubscribeRequest: WireMessage {
    /// Longest client id echoed back.
    public static let maxIDLength = 128

    /// The client's name for the request, echoed in the answer.
    public var id: String
    public var topic: ChainSubscriptionTopic
    public var filter: ChainSubscriptionFilter
    /// Frames for every block above this height first.
    public var since: UInt64?

    /// A request.
    public init(id: String, topic: ChainSubscriptionTopic, filter: ChainSubscriptionFilter = ChainSubscriptionFilter(), since: UInt64? = nil) {
        self.id = id
        self.topic = topic
        self.filter = filter
        self.since = since
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the field (`op`, `id`, `topic`, `filter.…`, `since`).
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .webSocketRPCMessage)
        try WireFields.refuseUnknown(body, known: ["op", "id", "topic", "filter", "since"], in: .webSocketRPCMessage)
        guard WireFields.member(body, "op")?.stringValue == "subscribe" else { throw WireDecodingError(field: "op", reason: "must be subscribe") }
        id = try WireFields.string(try WireFields.required(body, "id"), field: "id")
        guard id.unicodeScalars.count <= Self.maxIDLength else {
            throw WireDecodingError(field: "id", reason: "must be at most \(Self.maxIDLength) characters")
        }
        topic = try ChainSubscriptionTopic(json: try WireFields.required(body, "topic"), field: "topic")
        filter = try ChainSubscriptionFilter(json: WireFields.member(body, "filter"), topic: topic)
        since = try WireFields.optional(body, "since", WireFields.unsigned)
    }

    /// The request.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("op", "subscribe"), ("id", .string(id)), ("topic", .string(topic.rawValue))]
        if filter != ChainSubscriptionFilter() { pairs.append(("filter", filter.json)) }
        if let since { pairs.append(("since", .uint(since))) }
        return .members(pairs)
    }
}

/// `{"op":"unsubscribe","subscription","id"?}`.
public struct ChainUnsubscribeRequest: WireMessage {
    public var subscription: String
    /// Echoed in the answer.
    public var id: String?

    /// A request.
    public init(subscription: String, id: String? = nil) {
        self.subscription = subscription
        self.id = id
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .webSocketRPCMessage)
        try WireFields.refuseUnknown(body, known: ["op", "id", "subscription"], in: .webSocketRPCMessage)
        guard WireFields.member(body, "op")?.stringValue == "unsubscribe" else { throw WireDecodingError(field: "op", reason: "must be unsubscribe") }
        subscription = try WireFields.string(try WireFields.required(body, "subscription"), field: "subscription")
        id = try WireFields.optional(body, "id", WireFields.string)
    }

    /// The request.
    public var json: JSONValue {
        .members([("op", "unsubscribe"), ("subscription", .string(subscription))] + (id.map { [("id", JSONValue.string($0))] } ?? []))
    }
}

/// `{"op":"subscribed","id","subscription","head"}`: frames of blocks above `head` follow
/// (after those of `since`+1…`head` when `since` was given).
public struct ChainSubscribedMessage: WireMessage {
    public var id: String
    /// The node's name for the subscription, in every frame.
    public var subscription: String
    /// The node's head when the subscription started.
    public var head: UInt64

    /// An answer.
    public init(id: String, subscription: String, head: UInt64) {
        self.id = id
        self.subscription = subscription
        self.head = head
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        id = try WireFields.optional(body, "id", WireFields.string) ?? ""
        subscription = try WireFields.string(try WireFields.required(body, "subscription"), field: "subscription")
        head = try WireFields.unsigned(try WireFields.required(body, "head"), field: "head")
    }

    /// The answer.
    public var json: JSONValue {
        .members([("op", "subscribed"), ("id", .string(id)), ("subscription", .string(subscription)), ("head", .uint(head))])
    }
}

/// `{"op":"unsubscribed","id"?,"subscription"}`.
public struct ChainUnsubscribedMessage: WireMessage {
    public var id: String?
    public var subscription: String

    /// An answer.
    public init(id: String?, subscription: String) {
        self.id = id
        self.subscription = subscription
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        id = try WireFields.optional(body, "id", WireFields.string)
        subscription = try WireFields.string(try WireFields.required(body, "subscription"), field: "subscription")
    }

    /// The answer.
    public var json: JSONValue {
        .members([("op", "unsubscribed"), ("id", .optional(id)), ("subscription", .string(subscription))])
    }
}

/// `{"op":"error","id","error":{"code","message","details"}}`: a request refused (the
/// connection stays open). `id` is the request's when it could be read, else null.
public struct ChainSocketError: WireMessage, Error {
    /// Codes the node sends.
    public enum Code {
        public static let invalidJSON = "INVALID_JSON"
        public static let invalidMessage = "INVALID_MESSAGE"
        public static let unknownOp = "UNKNOWN_OP"
        public static let unknownTopic = "UNKNOWN_TOPIC"
        public static let invalidFilter = "INVALID_FILTER"
        public static let invalidSince = "INVALID_SINCE"
        public static let sinceTooOld = "SINCE_TOO_OLD"
        public static let tooManySubscriptions = "TOO_MANY_SUBSCRIPTIONS"
        public static let unknownSubscription = "UNKNOWN_SUBSCRIPTION"
        public static let unavailable = "UNAVAILABLE"
    }

    public var id: String?
    public var code: String
    public var message: String
    public var details: JSONValue

    /// An error answer.
    public init(id: String?, code: String, message: String, details: JSONValue = .object([])) {
        self.id = id
        self.code = code
        self.message = message
        self.details = details
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        id = try WireFields.optional(body, "id", WireFields.string)
        let error = try WireFields.object(try WireFields.required(body, "error"), field: "error")
        code = try WireFields.string(try WireFields.required(error, "code"), field: "error.code")
        message = try WireFields.optional(error, "message", WireFields.string) ?? ""
        details = error["details"] ?? .object([])
    }

    /// The answer.
    public var json: JSONValue {
        .members([
            ("op", "error"), ("id", .optional(id)),
            ("error", .members([("code", .string(code)), ("message", .string(message)), ("details", details)])),
        ])
    }
}

/// `{"subscription","topic","height","data"}`: `data` is exactly the REST body (BlockView,
/// TxView, AccountView or the claimed receipt). `height` is the block the frame belongs to; a
/// pending transaction's is the head when it was admitted.
public struct ChainSubscriptionFrame: WireMessage {
    public var subscription: String
    public var topic: ChainSubscriptionTopic
    public var height: UInt64
    public var data: JSONValue

    /// A frame.
    public init(subscription: String, topic: ChainSubscriptionTopic, height: UInt64, data: JSONValue) {
        self.subscription = subscription
        self.topic = topic
        self.height = height
        self.data = data
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        subscription = try WireFields.string(try WireFields.required(body, "subscription"), field: "subscription")
        topic = try ChainSubscriptionTopic(json: try WireFields.required(body, "topic"), field: "topic")
        height = try WireFields.unsigned(try WireFields.required(body, "height"), field: "height")
        data = try WireFields.required(body, "data")
    }

    /// The frame.
    public var json: JSONValue {
        .members([("subscription", .string(subscription)), ("topic", .string(topic.rawValue)), ("height", .uint(height)), ("data", data)])
    }
}

/// Anything the node sends on `/rpc/ws`, told apart by `op` (a frame has none).
public enum ChainSocketMessage: WireMessage {
    case subscribed(ChainSubscribedMessage)
    case unsubscribed(ChainUnsubscribedMessage)
    case error(ChainSocketError)
    case frame(ChainSubscriptionFrame)

    /// Decodes leniently.
    /// - Throws: `WireDecodingError` (`op` unknown, or the message's own).
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        switch WireFields.member(body, "op")?.stringValue {
        case nil: self = .frame(try ChainSubscriptionFrame(json: body))
        case "subscribed": self = .subscribed(try ChainSubscribedMessage(json: body))
        case "unsubscribed": self = .unsubscribed(try ChainUnsubscribedMessage(json: body))
        case "error": self = .error(try ChainSocketError(json: body))
        case let other?: throw WireDecodingError(field: "op", reason: "unknown op \(WireDecodingError.escaped(other))")
        }
    }

    /// The message.
    public var json: JSONValue {
        switch self {
        case .subscribed(let message): message.json
        case .unsubscribed(let message): message.json
        case .error(let message): message.json
        case .frame(let message): message.json
        }
    }
}

extension WireDocument {
    /// A `/rpc/ws` request: `op` names the operation.
    public static let webSocketRPCMessage = WireDocument(name: "message", envelope: [])
}
