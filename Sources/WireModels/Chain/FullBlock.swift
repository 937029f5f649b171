public import JSON

/// A block with everything needed to check and import it — the header's fields, the proposer's
/// signature and the signed transactions — as peers exchange them (P2P `block`/`blocks`) and as
/// `GET /rpc/blocks-range` answers:
/// `{"chain_id","height","hash","parent_hash","time_ms","proposer_key","tx_root","state_root",
/// "receipts_root","signature","txs":[signed transaction…]}`.
///
/// Decoding is strict (unknown members refused, lengths checked) because the sender is an
/// untrusted peer; `hash` is what the sender claims — the importer recomputes it from the
/// header and refuses a block whose claim differs.
public struct FullBlock: WireMessage {
    public var chainID: String
    public var height: UInt64
    public var hash: BlockHash
    public var parentHash: BlockHash
    /// Unix milliseconds.
    public var timeMilliseconds: UInt64
    /// 64 lowercase hex.
    public var proposerKey: String
    public var txRoot: Hash32
    public var stateRoot: Hash32
    public var receiptsRoot: Hash32
    /// 128 lowercase hex (Ed25519 over the hash bytes); empty only for block 0.
    public var signature: String
    /// In block order.
    public var txs: [TransactionMessage]

    /// A block.
    public init(
        chainID: String, height: UInt64, hash: BlockHash, parentHash: BlockHash, timeMilliseconds: UInt64, proposerKey: String,
        txRoot: Hash32, stateRoot: Hash32, receiptsRoot: Hash32, signature: String, txs: [TransactionMessage]
    ) {
        self.chainID = chainID
        self.height = height
        self.hash = hash
        self.parentHash = parentHash
        self.timeMilliseconds = timeMilliseconds
        self.proposerKey = proposerKey
        self.txRoot = txRoot
        self.stateRoot = stateRoot
        self.receiptsRoot = receiptsRoot
        self.signature = signature
        self.txs = txs
    }

    static let members = [
        "chain_id", "height", "hash", "parent_hash", "time_ms", "proposer_key", "tx_root", "state_root", "receipts_root", "signature", "txs",
    ]

    /// Decodes strictly; a transaction's error names it (`txs[3].sender`).
    /// - Throws: `WireDecodingError` naming the member.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: Self.members, in: .httpBody)
        chainID = try WireFields.string(try WireFields.required(body, "chain_id"), field: "chain_id")
        guard (1...TransactionMessage.maxChainIDLength).contains(chainID.utf8.count) else {
            throw WireDecodingError(field: "chain_id", reason: "must be 1…\(TransactionMessage.maxChainIDLength) bytes")
        }
        height = try WireFields.unsigned(try WireFields.required(body, "height"), field: "height")
        hash = try BlockHash(json: try WireFields.required(body, "hash"), field: "hash")
        parentHash = try BlockHash(json: try WireFields.required(body, "parent_hash"), field: "parent_hash")
        timeMilliseconds = try WireFields.unsigned(try WireFields.required(body, "time_ms"), field: "time_ms")
        proposerKey = try WireFields.hex(try WireFields.required(body, "proposer_key"), field: "proposer_key", bytes: 32)
        txRoot = try Hash32(json: try WireFields.required(body, "tx_root"), field: "tx_root")
        stateRoot = try Hash32(json: try WireFields.required(body, "state_root"), field: "state_root")
        receiptsRoot = try Hash32(json: try WireFields.required(body, "receipts_root"), field: "receipts_root")
        let signature = try WireFields.string(try WireFields.required(body, "signature"), field: "signature")
        if height == 0, signature.isEmpty {
            self.signature = ""
        } else {
            self.signature = try WireFields.hex(.string(signature), field: "signature", bytes: 64)
        }
        let elements = try WireFields.array(try WireFields.required(body, "txs"), field: "txs")
        var txs: [TransactionMessage] = []
        txs.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do throws(WireDecodingError) {
                txs.append(try TransactionMessage(json: element))
            } catch {
                throw WireDecodingError(field: "txs[\(index)].\(error.field)", problem: error.problem)
            }
        }
        self.txs = txs
    }

    /// The block.
    public var json: JSONValue {
        .members([
            ("chain_id", .string(chainID)), ("height", .uint(height)), ("hash", hash.json), ("parent_hash", parentHash.json),
            ("time_ms", .uint(timeMilliseconds)), ("proposer_key", .string(proposerKey)), ("tx_root", txRoot.json),
            ("state_root", stateRoot.json), ("receipts_root", receiptsRoot.json), ("signature", .string(signature)),
            ("txs", .array(txs.map(\.json))),
        ])
    }
}

/// `GET /rpc/blocks-range?start=&end=`: `{"blocks":[FullBlock…],"head":h}` — consecutive blocks
/// from `start`, as many as the limits allow (a short answer means "ask again from the next").
public struct BlocksRangeResponse: WireMessage {
    public var blocks: [FullBlock]
    /// The answering node's head height.
    public var head: UInt64

    /// Most blocks in one answer.
    public static let maxBlocks = 500

    public init(blocks: [FullBlock], head: UInt64) {
        self.blocks = blocks
        self.head = head
    }

    /// Decodes strictly.
    /// - Throws: `WireDecodingError` naming the member (`blocks[2].txs[0].sig`).
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        head = try WireFields.unsigned(try WireFields.required(body, "head"), field: "head")
        let elements = try WireFields.array(try WireFields.required(body, "blocks"), field: "blocks")
        guard elements.count <= Self.maxBlocks else { throw WireDecodingError(field: "blocks", reason: "more than \(Self.maxBlocks) blocks") }
        var blocks: [FullBlock] = []
        blocks.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do throws(WireDecodingError) {
                blocks.append(try FullBlock(json: element))
            } catch {
                throw WireDecodingError(field: "blocks[\(index)].\(error.field)", problem: error.problem)
            }
        }
        self.blocks = blocks
    }

    public var json: JSONValue { .members([("blocks", .array(blocks.map(\.json))), ("head", .uint(head))]) }
}
