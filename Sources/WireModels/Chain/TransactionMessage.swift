public import JSON

/// The two transaction types (spec/chain-node.md §6). Read in any case, written upper-case.
public enum TransactionType: String, Sendable, CaseIterable {
    /// Moves `amount` from the sender to `payload.to`.
    case transfer = "TRANSFER"
    /// Mints AIT for a coordinator receipt (`payload.receipt`).
    case receiptClaim = "RECEIPT_CLAIM"

    /// The type named by `json`, in any case.
    /// - Throws: `WireDecodingError` `type: must be TRANSFER or RECEIPT_CLAIM`.
    public init(json: JSONValue, field: String) throws(WireDecodingError) {
        // The upper-case spelling (what signers write) is matched without a copy.
        guard let text = json.stringValue, let type = TransactionType(rawValue: text) ?? TransactionType(rawValue: text.uppercased()) else {
            throw WireDecodingError(field: field, reason: "must be TRANSFER or RECEIPT_CLAIM")
        }
        self = type
    }
}

/// What a transaction does.
public enum TransactionPayload: Sendable, Equatable {
    /// `{"to", "amount"}`.
    case transfer(to: Address, amount: UInt64)
    /// `{"receipt": {...}}`: a coordinator receipt, signature included, carried verbatim.
    case receiptClaim(receipt: JSONValue)

    /// The payload's type.
    public var type: TransactionType {
        switch self {
        case .transfer: .transfer
        case .receiptClaim: .receiptClaim
        }
    }

    /// Decodes the payload of a `type` transaction strictly.
    /// - Throws: `WireDecodingError` naming `payload.<member>`.
    public init(json: JSONValue, type: TransactionType) throws(WireDecodingError) {
        let body = try WireFields.object(json, field: "payload")
        switch type {
        case .transfer:
            try Self.refuseUnknown(body, known: ["to", "amount"])
            let to = try Address(json: try Self.required(body, "to"), field: "payload.to")
            let amount = try WireFields.unsigned(try Self.required(body, "amount"), field: "payload.amount")
            self = .transfer(to: to, amount: amount)
        case .receiptClaim:
            try Self.refuseUnknown(body, known: ["receipt"])
            let receipt = try WireFields.object(try Self.required(body, "receipt"), field: "payload.receipt")
            self = .receiptClaim(receipt: receipt)
        }
    }

    /// `{"to","amount"}` or `{"receipt"}`.
    public var json: JSONValue {
        switch self {
        case .transfer(let to, let amount): .members([("to", to.json), ("amount", .uint(amount))])
        case .receiptClaim(let receipt): .members([("receipt", receipt)])
        }
    }

    /// Who receives value: `payload.to`, or the receipt's `provider` for a claim (the chain
    /// decides the paid address from the work claim; this is the display field of §8).
    public var recipient: String {
        switch self {
        case .transfer(let to, _): to.rawValue
        case .receiptClaim(let receipt): receipt["metadata"]?["work_claim"]?["payout_address"]?.stringValue ?? ""
        }
    }

    private static func required(_ body: JSONValue, _ key: String) throws(WireDecodingError) -> JSONValue {
        guard let value = WireFields.member(body, key) else { throw WireDecodingError(field: "payload.\(key)", reason: "field required") }
        return value
    }

    private static func refuseUnknown(_ body: JSONValue, known: [String]) throws(WireDecodingError) {
        let unknown = (body.objectValue ?? []).map(\.key).filter { !known.contains($0) }
        guard !unknown.isEmpty else { return }
        throw WireDecodingError(field: "payload", problem: .unknownMembers(unknown, known: known, inDocument: false))
    }
}

/// A signed transaction as sent to `POST /rpc/sendTx` and inside `sendTxs` (docs/chain-node.md):
/// `{"type","chain_id","sender","public_key","nonce","fee","payload","sig"}`.
///
/// The id is SHA-256 of the canonical JSON of `unsignedJSON` (everything but `sig`, chain id
/// included), and `sig` signs the id; both rules live in the `Ledger` module. Decoding is
/// strict: unknown members are refused, so no member can ride along unsigned.
public struct TransactionMessage: WireMessage {
    /// TRANSFER or RECEIPT_CLAIM (from the payload).
    public var type: TransactionType { payload.type }
    /// The chain the sender meant (replay on another chain fails).
    public var chainID: String
    /// The paying account.
    public var sender: Address
    /// The sender's Ed25519 public key, 64 lowercase hex; must hash to `sender`.
    public var publicKey: String
    /// `account.nonce + 1` for the next transaction.
    public var nonce: UInt64
    /// Paid to the block's proposer.
    public var fee: UInt64
    /// What the transaction does.
    public var payload: TransactionPayload
    /// Ed25519 over the 32 id bytes, 128 lowercase hex; empty before signing.
    public var sig: String

    /// A transaction (unsigned while `sig` is empty).
    public init(chainID: String, sender: Address, publicKey: String, nonce: UInt64, fee: UInt64, payload: TransactionPayload, sig: String = "") {
        self.chainID = chainID
        self.sender = sender
        self.publicKey = publicKey
        self.nonce = nonce
        self.fee = fee
        self.payload = payload
        self.sig = sig
    }

    /// Longest `chain_id` accepted (it is part of every block header).
    public static let maxChainIDLength = 64

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: Self.members, in: .httpBody)
        let type = try TransactionType(json: try WireFields.required(body, "type"), field: "type")
        let chainID = try WireFields.string(try WireFields.required(body, "chain_id"), field: "chain_id")
        guard (1...Self.maxChainIDLength).contains(chainID.utf8.count) else {
            throw WireDecodingError(field: "chain_id", reason: "must be 1…\(Self.maxChainIDLength) bytes")
        }
        self.chainID = chainID
        sender = try Address(json: try WireFields.required(body, "sender"), field: "sender")
        publicKey = try WireFields.hex(try WireFields.required(body, "public_key"), field: "public_key", bytes: 32)
        nonce = try WireFields.unsigned(try WireFields.required(body, "nonce"), field: "nonce")
        fee = try WireFields.unsigned(try WireFields.required(body, "fee"), field: "fee")
        payload = try TransactionPayload(json: try WireFields.required(body, "payload"), type: type)
        sig = try WireFields.hex(try WireFields.required(body, "sig"), field: "sig", bytes: 64)
    }

    static let members = ["type", "chain_id", "sender", "public_key", "nonce", "fee", "payload", "sig"]

    /// Every member but `sig`: what the id is computed over.
    public var unsignedJSON: JSONValue {
        .members([
            ("type", .string(type.rawValue)), ("chain_id", .string(chainID)), ("sender", sender.json),
            ("public_key", .string(publicKey)), ("nonce", .uint(nonce)), ("fee", .uint(fee)), ("payload", payload.json),
        ])
    }

    /// The signed transaction.
    public var json: JSONValue {
        guard case .object(var members) = unsignedJSON else { return unsignedJSON }
        members.append(JSONMember(key: "sig", value: .string(sig)))
        return .object(members)
    }
}

/// `{"tx_hash","status"}`: the answer to `sendTx`, and one accepted entry of `sendTxs`.
public struct SendTxResponse: WireMessage {
    /// The transaction's id.
    public var txHash: TxHash
    /// `pending` once admitted.
    public var status: TxStatus

    /// An answer.
    public init(txHash: TxHash, status: TxStatus = .pending) {
        self.txHash = txHash
        self.status = status
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        txHash = try TxHash(json: try WireFields.required(body, "tx_hash"), field: "tx_hash")
        status = try TxStatus(json: try WireFields.required(body, "status"), field: "status")
    }

    /// `{"tx_hash","status"}`.
    public var json: JSONValue { .members([("tx_hash", txHash.json), ("status", status.json)]) }
}

/// Where a transaction is: in the mempool, in a block, or not known to this node.
public enum TxStatus: String, Sendable, CaseIterable {
    case pending, included, unknown

    /// The status named by `json`.
    /// - Throws: `WireDecodingError` `<field>: must be pending, included or unknown`.
    public init(json: JSONValue, field: String) throws(WireDecodingError) {
        guard let text = json.stringValue, let status = TxStatus(rawValue: text) else {
            throw WireDecodingError(field: field, reason: "must be pending, included or unknown")
        }
        self = status
    }

    /// The status as a JSON string.
    public var json: JSONValue { .string(rawValue) }
}

/// `POST /rpc/sendTxs` body: `{"txs":[…]}`, 1…`maxTransactions` signed transactions.
public struct SendTxsRequest: WireMessage {
    /// The transactions, each decoded on its own: one malformed element is refused in its
    /// result slot, the others still count.
    public var txs: [Result<TransactionMessage, WireDecodingError>]

    /// Most transactions one batch may carry.
    public static let maxTransactions = 1_000

    /// A batch.
    public init(txs: [TransactionMessage]) {
        self.txs = txs.map { .success($0) }
    }

    /// Decodes the envelope strictly; elements are decoded one by one.
    /// - Throws: `WireDecodingError` for a bad envelope or more than `maxTransactions`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["txs"], in: .httpBody)
        let elements = try WireFields.array(try WireFields.required(body, "txs"), field: "txs")
        guard (1...Self.maxTransactions).contains(elements.count) else {
            throw WireDecodingError(field: "txs", reason: "must hold 1…\(Self.maxTransactions) transactions")
        }
        var txs: [Result<TransactionMessage, WireDecodingError>] = []
        txs.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do throws(WireDecodingError) {
                txs.append(.success(try TransactionMessage(json: element)))
            } catch {
                txs.append(.failure(WireDecodingError(field: "txs[\(index)].\(error.field)", problem: error.problem)))
            }
        }
        self.txs = txs
    }

    /// `{"txs":[…]}` (elements that failed to decode are left out).
    public var json: JSONValue {
        .members([("txs", .array(txs.compactMap { try? $0.get().json }))])
    }

    public static func == (lhs: SendTxsRequest, rhs: SendTxsRequest) -> Bool {
        lhs.txs.map { try? $0.get() } == rhs.txs.map { try? $0.get() }
    }
}

/// `POST /rpc/sendTxs` answer: one result per transaction, in order, plus the counts.
public struct SendTxsResponse: WireMessage {
    /// One transaction's outcome: admitted (`tx_hash`, `status`) or refused (`error`).
    public enum Item: Sendable, Equatable {
        case accepted(SendTxResponse)
        case rejected(code: String, message: String, txHash: TxHash?)

        var json: JSONValue {
            switch self {
            case .accepted(let response): response.json
            case .rejected(let code, let message, let txHash):
                .members(
                    (txHash.map { [("tx_hash", $0.json)] } ?? [])
                        + [("error", .members([("code", .string(code)), ("message", .string(message))]))])
            }
        }
    }

    /// The outcomes, in request order.
    public var results: [Item]
    /// How many were admitted.
    public var accepted: Int { results.filter { if case .accepted = $0 { true } else { false } }.count }

    /// An answer.
    public init(results: [Item]) {
        self.results = results
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        let elements = try WireFields.array(try WireFields.required(body, "results"), field: "results")
        var results: [Item] = []
        for (index, element) in elements.enumerated() {
            if let error = WireFields.member(element, "error") {
                let code = error["code"]?.stringValue ?? ""
                let message = error["message"]?.stringValue ?? ""
                results.append(.rejected(code: code, message: message, txHash: element["tx_hash"]?.stringValue.flatMap(TxHash.init)))
            } else {
                do {
                    results.append(.accepted(try SendTxResponse(json: element)))
                } catch {
                    throw WireDecodingError(field: "results[\(index)].\(error.field)", problem: error.problem)
                }
            }
        }
        self.results = results
    }

    /// `{"results":[…],"accepted","rejected"}`.
    public var json: JSONValue {
        .members([
            ("results", .array(results.map(\.json))), ("accepted", .int(accepted)), ("rejected", .int(results.count - accepted)),
        ])
    }
}

/// `POST /rpc/estimateFee` body: `{"type"?, "payload"?}`.
public struct EstimateFeeRequest: WireMessage {
    /// Defaults to TRANSFER.
    public var type: TransactionType
    /// The payload to price; `{}` when absent.
    public var payload: JSONValue

    /// A request.
    public init(type: TransactionType = .transfer, payload: JSONValue = .object([])) {
        self.type = type
        self.payload = payload
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["type", "payload"], in: .httpBody)
        type = try WireFields.member(body, "type").map { value throws(WireDecodingError) in try TransactionType(json: value, field: "type") } ?? .transfer
        payload = try WireFields.member(body, "payload").map { value throws(WireDecodingError) in try WireFields.object(value, field: "payload") }
            ?? .object([])
    }

    /// `{"type","payload"}`.
    public var json: JSONValue { .members([("type", .string(type.rawValue)), ("payload", payload)]) }
}

/// `{"type","base_fee","fee_per_byte","payload_bytes","estimated_fee"}`.
public struct EstimateFeeResponse: WireMessage {
    public var type: TransactionType
    public var baseFee: UInt64
    public var feePerByte: UInt64
    public var payloadBytes: UInt64
    public var estimatedFee: UInt64

    /// An estimate.
    public init(type: TransactionType, baseFee: UInt64, feePerByte: UInt64, payloadBytes: UInt64, estimatedFee: UInt64) {
        self.type = type
        self.baseFee = baseFee
        self.feePerByte = feePerByte
        self.payloadBytes = payloadBytes
        self.estimatedFee = estimatedFee
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        type = try TransactionType(json: try WireFields.required(body, "type"), field: "type")
        baseFee = try WireFields.unsigned(try WireFields.required(body, "base_fee"), field: "base_fee")
        feePerByte = try WireFields.unsigned(try WireFields.required(body, "fee_per_byte"), field: "fee_per_byte")
        payloadBytes = try WireFields.unsigned(try WireFields.required(body, "payload_bytes"), field: "payload_bytes")
        estimatedFee = try WireFields.unsigned(try WireFields.required(body, "estimated_fee"), field: "estimated_fee")
    }

    /// The estimate.
    public var json: JSONValue {
        .members([
            ("type", .string(type.rawValue)), ("base_fee", .uint(baseFee)), ("fee_per_byte", .uint(feePerByte)),
            ("payload_bytes", .uint(payloadBytes)), ("estimated_fee", .uint(estimatedFee)),
        ])
    }
}
