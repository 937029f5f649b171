public import JSON

// The chain node's read answers (spec/chain-node.md §8, docs/chain-node.md). Times are sent
// twice: `timestamp` (RFC 3339 UTC with `Z`, ARCHITECTURE.md) for people and `time_ms` (Unix
// milliseconds, what the block header signs) for programs.

/// `GET /rpc/head` (alias `/rpc/getHead`): `{chain_id, height, hash, timestamp, time_ms, tx_count}`.
public struct HeadView: WireMessage {
    /// The chain the node runs (clients sign for it); nil from a node that does not say.
    public var chainID: String?
    public var height: UInt64
    public var hash: BlockHash
    public var timestamp: WireTime
    public var txCount: Int

    /// A head.
    public init(chainID: String? = nil, height: UInt64, hash: BlockHash, timestamp: WireTime, txCount: Int) {
        self.chainID = chainID
        self.height = height
        self.hash = hash
        self.timestamp = timestamp
        self.txCount = txCount
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        chainID = try WireFields.optional(body, "chain_id", WireFields.string)
        height = try WireFields.unsigned(try WireFields.required(body, "height"), field: "height")
        hash = try BlockHash(json: try WireFields.required(body, "hash"), field: "hash")
        timestamp = try WireTime(json: try WireFields.required(body, "timestamp"), field: "timestamp")
        txCount = try WireFields.integer(try WireFields.required(body, "tx_count"), field: "tx_count")
    }

    /// The head.
    public var json: JSONValue {
        .members(
            (chainID.map { [("chain_id", JSONValue.string($0))] } ?? []) + [
            ("height", .uint(height)), ("hash", hash.json), ("timestamp", timestamp.json),
            ("time_ms", .integer(JSONInteger(timestamp.unixMilliseconds))), ("tx_count", .int(txCount)),
        ])
    }
}

/// `GET /rpc/blocks/{height}` (alias `/rpc/getBlock/{heightOrHash}`): the header, its
/// signature and the transaction ids in block order.
public struct BlockView: WireMessage {
    public var height: UInt64
    public var hash: BlockHash
    public var parentHash: BlockHash
    public var timestamp: WireTime
    /// The proposer's address (empty for block 0).
    public var proposer: String
    /// The proposer's public key, 64 hex (64 zeros for block 0).
    public var proposerKey: String
    public var txCount: Int
    public var txRoot: Hash32
    public var stateRoot: Hash32
    public var receiptsRoot: Hash32
    /// Ed25519 over the 32 hash bytes, 128 hex (empty for block 0).
    public var signature: String
    public var txs: [TxHash]

    /// A block.
    public init(
        height: UInt64, hash: BlockHash, parentHash: BlockHash, timestamp: WireTime, proposer: String, proposerKey: String,
        txCount: Int, txRoot: Hash32, stateRoot: Hash32, receiptsRoot: Hash32, signature: String, txs: [TxHash]
    ) {
        self.height = height
        self.hash = hash
        self.parentHash = parentHash
        self.timestamp = timestamp
        self.proposer = proposer
        self.proposerKey = proposerKey
        self.txCount = txCount
        self.txRoot = txRoot
        self.stateRoot = stateRoot
        self.receiptsRoot = receiptsRoot
        self.signature = signature
        self.txs = txs
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        height = try WireFields.unsigned(try WireFields.required(body, "height"), field: "height")
        hash = try BlockHash(json: try WireFields.required(body, "hash"), field: "hash")
        parentHash = try BlockHash(json: try WireFields.required(body, "parent_hash"), field: "parent_hash")
        timestamp = try WireTime(json: try WireFields.required(body, "timestamp"), field: "timestamp")
        proposer = try WireFields.optional(body, "proposer", WireFields.string) ?? ""
        proposerKey = try WireFields.optional(body, "proposer_key", WireFields.string) ?? ""
        txCount = try WireFields.integer(try WireFields.required(body, "tx_count"), field: "tx_count")
        txRoot = try Hash32(json: try WireFields.required(body, "tx_root"), field: "tx_root")
        stateRoot = try Hash32(json: try WireFields.required(body, "state_root"), field: "state_root")
        receiptsRoot = try Hash32(json: try WireFields.required(body, "receipts_root"), field: "receipts_root")
        signature = try WireFields.optional(body, "signature", WireFields.string) ?? ""
        let ids = try WireFields.optional(body, "txs", WireFields.array) ?? []
        var txs: [TxHash] = []
        for (index, id) in ids.enumerated() { txs.append(try TxHash(json: id, field: "txs[\(index)]")) }
        self.txs = txs
    }

    /// The block.
    public var json: JSONValue {
        .members([
            ("height", .uint(height)), ("hash", hash.json), ("parent_hash", parentHash.json), ("timestamp", timestamp.json),
            ("time_ms", .integer(JSONInteger(timestamp.unixMilliseconds))), ("proposer", .string(proposer)),
            ("proposer_key", .string(proposerKey)), ("tx_count", .int(txCount)), ("tx_root", txRoot.json),
            ("state_root", stateRoot.json), ("receipts_root", receiptsRoot.json), ("signature", .string(signature)),
            ("txs", .array(txs.map(\.json))),
        ])
    }
}

/// `GET /rpc/getBalance/{address}`: `{address, balance, nonce, next_nonce, updated_at?}`.
/// An address never seen answers balance 0, nonce 0 and no `updated_at` (§8).
public struct AccountView: WireMessage {
    public var address: Address
    public var balance: UInt64
    /// Transactions included so far.
    public var nonce: UInt64
    /// The nonce the sender's next transaction needs, counting its pending ones.
    public var nextNonce: UInt64
    /// The time of the block that last changed the account.
    public var updatedAt: WireTime?

    /// An account.
    public init(address: Address, balance: UInt64, nonce: UInt64, nextNonce: UInt64, updatedAt: WireTime?) {
        self.address = address
        self.balance = balance
        self.nonce = nonce
        self.nextNonce = nextNonce
        self.updatedAt = updatedAt
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        address = try Address(json: try WireFields.required(body, "address"), field: "address")
        balance = try WireFields.unsigned(try WireFields.required(body, "balance"), field: "balance")
        nonce = try WireFields.unsigned(try WireFields.required(body, "nonce"), field: "nonce")
        nextNonce = try WireFields.optional(body, "next_nonce", WireFields.unsigned) ?? nonce + 1
        updatedAt = try WireFields.optional(body, "updated_at") { value, field throws(WireDecodingError) in try WireTime(json: value, field: field) }
    }

    /// The account.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("address", address.json), ("balance", .uint(balance)), ("nonce", .uint(nonce)), ("next_nonce", .uint(nextNonce)),
        ]
        if let updatedAt { pairs.append(("updated_at", updatedAt.json)) }
        return .members(pairs)
    }
}

/// `GET /rpc/tx/{tx_hash}` (alias `/rpc/getTx/{hash}`): the transaction and where it is.
public struct TxView: WireMessage {
    public var txHash: TxHash
    public var status: TxStatus
    /// The including block; nil while pending.
    public var blockHeight: UInt64?
    public var type: TransactionType
    public var sender: Address
    /// `payload.to`, or the payout address of a claim.
    public var recipient: String
    public var nonce: UInt64
    public var fee: UInt64
    public var payload: JSONValue
    /// The including block's time; nil while pending.
    public var createdAt: WireTime?

    /// A transaction view.
    public init(
        txHash: TxHash, status: TxStatus, blockHeight: UInt64?, type: TransactionType, sender: Address, recipient: String, nonce: UInt64,
        fee: UInt64, payload: JSONValue, createdAt: WireTime?
    ) {
        self.txHash = txHash
        self.status = status
        self.blockHeight = blockHeight
        self.type = type
        self.sender = sender
        self.recipient = recipient
        self.nonce = nonce
        self.fee = fee
        self.payload = payload
        self.createdAt = createdAt
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        txHash = try TxHash(json: try WireFields.required(body, "tx_hash"), field: "tx_hash")
        status = try TxStatus(json: try WireFields.required(body, "status"), field: "status")
        blockHeight = try WireFields.optional(body, "block_height", WireFields.unsigned)
        type = try TransactionType(json: try WireFields.required(body, "type"), field: "type")
        sender = try Address(json: try WireFields.required(body, "sender"), field: "sender")
        recipient = try WireFields.optional(body, "recipient", WireFields.string) ?? ""
        nonce = try WireFields.unsigned(try WireFields.required(body, "nonce"), field: "nonce")
        fee = try WireFields.unsigned(try WireFields.required(body, "fee"), field: "fee")
        payload = try WireFields.required(body, "payload")
        createdAt = try WireFields.optional(body, "created_at") { value, field throws(WireDecodingError) in try WireTime(json: value, field: field) }
    }

    /// The view.
    public var json: JSONValue {
        .members([
            ("tx_hash", txHash.json), ("status", status.json), ("block_height", blockHeight.map { .uint($0) } ?? .null),
            ("type", .string(type.rawValue)), ("sender", sender.json), ("recipient", .string(recipient)), ("nonce", .uint(nonce)),
            ("fee", .uint(fee)), ("payload", payload), ("created_at", createdAt?.json ?? .null),
        ])
    }
}

/// `GET /rpc/receipts/{receipt_id}`: a claimed receipt and what it minted.
public struct ChainReceiptView: WireMessage {
    public var receiptID: ReceiptID
    public var jobID: String
    public var txHash: TxHash
    public var blockHeight: UInt64
    /// Who was paid `minted_amount` (the work claim's payout address).
    public var minerAddress: Address
    /// Who was paid `coordinator_amount` (the address of the signing coordinator key).
    public var coordinatorAddress: Address
    public var mintedAmount: UInt64
    public var coordinatorAmount: UInt64
    /// The receipt as claimed (signature included).
    public var payload: JSONValue
    /// The receipt's `signature` object.
    public var minerSignature: JSONValue
    /// The receipt's `attestations` array.
    public var coordinatorAttestations: JSONValue
    public var recordedAt: WireTime

    /// A claimed receipt.
    public init(
        receiptID: ReceiptID, jobID: String, txHash: TxHash, blockHeight: UInt64, minerAddress: Address, coordinatorAddress: Address,
        mintedAmount: UInt64, coordinatorAmount: UInt64, payload: JSONValue, minerSignature: JSONValue,
        coordinatorAttestations: JSONValue, recordedAt: WireTime
    ) {
        self.receiptID = receiptID
        self.jobID = jobID
        self.txHash = txHash
        self.blockHeight = blockHeight
        self.minerAddress = minerAddress
        self.coordinatorAddress = coordinatorAddress
        self.mintedAmount = mintedAmount
        self.coordinatorAmount = coordinatorAmount
        self.payload = payload
        self.minerSignature = minerSignature
        self.coordinatorAttestations = coordinatorAttestations
        self.recordedAt = recordedAt
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        receiptID = try ReceiptID(json: try WireFields.required(body, "receipt_id"), field: "receipt_id")
        jobID = try WireFields.string(try WireFields.required(body, "job_id"), field: "job_id")
        txHash = try TxHash(json: try WireFields.required(body, "tx_hash"), field: "tx_hash")
        blockHeight = try WireFields.unsigned(try WireFields.required(body, "block_height"), field: "block_height")
        minerAddress = try Address(json: try WireFields.required(body, "miner_address"), field: "miner_address")
        coordinatorAddress = try Address(json: try WireFields.required(body, "coordinator_address"), field: "coordinator_address")
        mintedAmount = try WireFields.unsigned(try WireFields.required(body, "minted_amount"), field: "minted_amount")
        coordinatorAmount = try WireFields.unsigned(try WireFields.required(body, "coordinator_amount"), field: "coordinator_amount")
        payload = try WireFields.required(body, "payload")
        minerSignature = body["miner_signature"] ?? .null
        coordinatorAttestations = body["coordinator_attestations"] ?? .array([])
        recordedAt = try WireTime(json: try WireFields.required(body, "recorded_at"), field: "recorded_at")
    }

    /// The view.
    public var json: JSONValue {
        .members([
            ("receipt_id", receiptID.json), ("job_id", .string(jobID)), ("tx_hash", txHash.json), ("block_height", .uint(blockHeight)),
            ("miner_address", minerAddress.json), ("coordinator_address", coordinatorAddress.json),
            ("minted_amount", .uint(mintedAmount)), ("coordinator_amount", .uint(coordinatorAmount)), ("payload", payload),
            ("miner_signature", minerSignature), ("coordinator_attestations", coordinatorAttestations),
            ("recorded_at", recordedAt.json),
        ])
    }
}

/// `POST /rpc/admin/mintFaucet` (alias `/admin/mintFaucet`) body: `{address, amount}`.
public struct FaucetRequest: WireMessage {
    public var address: Address
    public var amount: UInt64

    /// A request.
    public init(address: Address, amount: UInt64) {
        self.address = address
        self.amount = amount
    }

    /// Decodes strictly; `amount` must be > 0.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["address", "amount"], in: .httpBody)
        address = try Address(json: try WireFields.required(body, "address"), field: "address")
        amount = try WireFields.unsigned(try WireFields.required(body, "amount"), field: "amount")
        guard amount > 0 else { throw WireDecodingError(field: "amount", reason: "must be greater than 0") }
    }

    /// `{"address","amount"}`.
    public var json: JSONValue { .members([("address", address.json), ("amount", .uint(amount))]) }
}

/// The faucet's answer: the transfer it queued from the faucet account.
/// `{"address","amount","tx_hash","status","balance"}` (`balance`: confirmed, before this transfer).
public struct FaucetResponse: WireMessage {
    public var address: Address
    public var amount: UInt64
    public var txHash: TxHash
    public var status: TxStatus
    public var balance: UInt64

    /// An answer.
    public init(address: Address, amount: UInt64, txHash: TxHash, status: TxStatus, balance: UInt64) {
        self.address = address
        self.amount = amount
        self.txHash = txHash
        self.status = status
        self.balance = balance
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        address = try Address(json: try WireFields.required(body, "address"), field: "address")
        amount = try WireFields.unsigned(try WireFields.required(body, "amount"), field: "amount")
        txHash = try TxHash(json: try WireFields.required(body, "tx_hash"), field: "tx_hash")
        status = try TxStatus(json: try WireFields.required(body, "status"), field: "status")
        balance = try WireFields.unsigned(try WireFields.required(body, "balance"), field: "balance")
    }

    /// The answer.
    public var json: JSONValue {
        .members([
            ("address", address.json), ("amount", .uint(amount)), ("tx_hash", txHash.json), ("status", status.json),
            ("balance", .uint(balance)),
        ])
    }
}
