import Cryptography
import JSON
import WireModels

/// A peer's head as hello and status carry it.
public struct PeerHead: Sendable, Equatable {
    public var height: UInt64
    public var hash: [UInt8]

    public init(height: UInt64, hash: [UInt8]) {
        self.height = height
        self.hash = hash
    }
}

/// The first frame each side sends (docs/chain-node.md "Network").
struct P2PHello: Sendable, Equatable {
    /// 2: the auth signature covers both node keys (1 did not; see P2PHandshake).
    static let protocolVersion = 2
    var protocolVersion: Int
    var chainID: String
    var genesisHash: [UInt8]
    var nodeKey: [UInt8]
    var nonce: [UInt8]
    var head: PeerHead
    /// Where the sender accepts connections (`ws://…/p2p`), nil when it does not say.
    var listen: String?
}

/// One P2P frame: JSON text with a `type` member. Decoding is strict — an unknown member, a
/// wrong type or a hash of the wrong length fails naming the field — so a peer that speaks
/// another dialect is refused instead of half understood.
enum P2PMessage: Sendable {
    case hello(P2PHello)
    case auth(signature: [UInt8])
    case status(head: PeerHead)
    /// A block as `FullBlock` JSON, decoded by the intake (only the blocks it processes pay for it).
    case block(JSONValue)
    /// Signed transactions, as JSON values (each decoded on admission).
    case txs([JSONValue])
    case getBlocks(requestID: UInt64, start: UInt64, count: Int)
    case blocks(requestID: UInt64, blocks: [JSONValue])
    case error(code: String, message: String)

    /// Largest frame read (a `blocks` answer is at most 8 MiB; a little room for the envelope).
    static let maxFrameBytes = 9 << 20
    /// Most blocks one `get_blocks` may ask for, and one `blocks` answer may hold.
    static let maxBlocksPerMessage = 500
    /// Largest `blocks` answer, in bytes of its block JSON.
    static let maxBlocksBytes = 8 << 20
    /// Most transactions one `txs` frame carries.
    static let maxTransactionsPerMessage = 500

    /// The `type` member, also the `p2p_messages_*_total{type}` label.
    var type: String {
        switch self {
        case .hello: "hello"
        case .auth: "auth"
        case .status: "status"
        case .block: "block"
        case .txs: "txs"
        case .getBlocks: "get_blocks"
        case .blocks: "blocks"
        case .error: "error"
        }
    }

    var json: JSONValue {
        var members: [JSONMember] = [JSONMember(key: "type", value: .string(type))]
        func add(_ key: String, _ value: JSONValue) { members.append(JSONMember(key: key, value: value)) }
        switch self {
        case .hello(let hello):
            add("protocol", .integer(JSONInteger(hello.protocolVersion)))
            add("chain_id", .string(hello.chainID))
            add("genesis_hash", .string("0x" + Hex.encode(hello.genesisHash)))
            add("node_key", .string(Hex.encode(hello.nodeKey)))
            add("nonce", .string(Hex.encode(hello.nonce)))
            add("head", Self.headJSON(hello.head))
            add("listen", hello.listen.map { .string($0) } ?? .null)
        case .auth(let signature):
            add("sig", .string(Hex.encode(signature)))
        case .status(let head):
            add("head", Self.headJSON(head))
        case .block(let block):
            add("block", block)
        case .txs(let txs):
            add("txs", .array(txs))
        case .getBlocks(let requestID, let start, let count):
            add("request_id", .integer(JSONInteger(requestID)))
            add("start", .integer(JSONInteger(start)))
            add("count", .integer(JSONInteger(count)))
        case .blocks(let requestID, let blocks):
            add("request_id", .integer(JSONInteger(requestID)))
            add("blocks", .array(blocks))
        case .error(let code, let message):
            add("code", .string(code))
            add("message", .string(message))
        }
        return .object(members)
    }

    /// The frame's text.
    var text: String {
        String(decoding: (try? JSONSerializer().serialize(json)) ?? Array("{}".utf8), as: UTF8.self)
    }

    /// Decodes a frame.
    /// - Throws: `WireDecodingError` naming the field.
    init(text: String) throws(WireDecodingError) {
        let value: JSONValue
        do {
            value = try JSONParser(limits: .init(maxInputBytes: Self.maxFrameBytes, maxDepth: 64)).parse(text)
        } catch {
            throw WireDecodingError(field: "message", reason: "invalid JSON: \(error)")
        }
        try self.init(json: value)
    }

    init(json: JSONValue) throws(WireDecodingError) {
        guard case .object(let members) = json else { throw WireDecodingError(field: "message", reason: "must be a JSON object") }
        guard let type = json["type"]?.stringValue else { throw WireDecodingError(field: "type", reason: "field required") }
        func only(_ known: [String]) throws(WireDecodingError) {
            let unknown = members.map(\.key).filter { !known.contains($0) && $0 != "type" }
            guard unknown.isEmpty else {
                throw WireDecodingError(field: "message", problem: .unknownMembers(unknown, known: ["type"] + known, inDocument: true))
            }
        }
        switch type {
        case "hello":
            try only(["protocol", "chain_id", "genesis_hash", "node_key", "nonce", "head", "listen"])
            let listen = try Self.optionalString(json, "listen")
            self = .hello(P2PHello(
                protocolVersion: try Self.int(json, "protocol"), chainID: try Self.string(json, "chain_id"),
                genesisHash: try Self.hash(json, "genesis_hash"), nodeKey: try Self.hex(json, "node_key", length: 32),
                nonce: try Self.hex(json, "nonce", length: 32), head: try Self.head(json), listen: listen))
        case "auth":
            try only(["sig"])
            self = .auth(signature: try Self.hex(json, "sig", length: 64))
        case "status":
            try only(["head"])
            self = .status(head: try Self.head(json))
        case "block":
            try only(["block"])
            guard let block = json["block"], case .object = block else { throw WireDecodingError(field: "block", reason: "must be an object") }
            self = .block(block)
        case "txs":
            try only(["txs"])
            guard let txs = json["txs"]?.arrayValue else { throw WireDecodingError(field: "txs", reason: "must be an array") }
            guard txs.count <= Self.maxTransactionsPerMessage else {
                throw WireDecodingError(field: "txs", reason: "at most \(Self.maxTransactionsPerMessage) transactions")
            }
            self = .txs(txs)
        case "get_blocks":
            try only(["request_id", "start", "count"])
            let count = try Self.int(json, "count")
            guard (1...Self.maxBlocksPerMessage).contains(count) else {
                throw WireDecodingError(field: "count", reason: "must be 1…\(Self.maxBlocksPerMessage)")
            }
            self = .getBlocks(requestID: try Self.uint(json, "request_id"), start: try Self.uint(json, "start"), count: count)
        case "blocks":
            try only(["request_id", "blocks"])
            guard let blocks = json["blocks"]?.arrayValue else { throw WireDecodingError(field: "blocks", reason: "must be an array") }
            guard blocks.count <= Self.maxBlocksPerMessage else {
                throw WireDecodingError(field: "blocks", reason: "at most \(Self.maxBlocksPerMessage) blocks")
            }
            self = .blocks(requestID: try Self.uint(json, "request_id"), blocks: blocks)
        case "error":
            try only(["code", "message"])
            self = .error(code: try Self.string(json, "code"), message: try Self.string(json, "message"))
        default:
            throw WireDecodingError(field: "type", reason: "unknown message type")
        }
    }

    // MARK: fields

    static func headJSON(_ head: PeerHead) -> JSONValue {
        .object([
            JSONMember(key: "height", value: .integer(JSONInteger(head.height))),
            JSONMember(key: "hash", value: .string("0x" + Hex.encode(head.hash))),
        ])
    }

    private static func head(_ json: JSONValue) throws(WireDecodingError) -> PeerHead {
        guard let head = json["head"], case .object(let members) = head else { throw WireDecodingError(field: "head", reason: "must be an object") }
        guard members.allSatisfy({ $0.key == "height" || $0.key == "hash" }) else {
            throw WireDecodingError(field: "head", reason: "only height and hash")
        }
        guard let height = head["height"]?.integerValue?.uint64Value else { throw WireDecodingError(field: "head.height", reason: "must be an integer ≥ 0") }
        return PeerHead(height: height, hash: try hash(head, "hash", field: "head.hash"))
    }

    private static func string(_ json: JSONValue, _ key: String) throws(WireDecodingError) -> String {
        guard let text = json[key]?.stringValue else { throw WireDecodingError(field: key, reason: "must be a string") }
        return text
    }

    private static func optionalString(_ json: JSONValue, _ key: String) throws(WireDecodingError) -> String? {
        guard let value = json[key], !value.isNull else { return nil }
        guard let text = value.stringValue, text.utf8.count <= 256 else { throw WireDecodingError(field: key, reason: "must be a string (≤ 256 bytes) or null") }
        return text
    }

    private static func int(_ json: JSONValue, _ key: String) throws(WireDecodingError) -> Int {
        guard let value = json[key]?.integerValue?.intValue else { throw WireDecodingError(field: key, reason: "must be an integer") }
        return value
    }

    private static func uint(_ json: JSONValue, _ key: String) throws(WireDecodingError) -> UInt64 {
        guard let value = json[key]?.integerValue?.uint64Value else { throw WireDecodingError(field: key, reason: "must be an integer ≥ 0") }
        return value
    }

    /// Lowercase hex of exactly `length` bytes.
    private static func hex(_ json: JSONValue, _ key: String, length: Int) throws(WireDecodingError) -> [UInt8] {
        guard let text = json[key]?.stringValue, text.utf8.count == length * 2, text == text.lowercased(),
            let bytes = try? Hex.decode(text, length: length)
        else { throw WireDecodingError(field: key, reason: "must be \(length * 2) lowercase hex digits") }
        return bytes
    }

    /// `0x` + 64 lowercase hex digits.
    private static func hash(_ json: JSONValue, _ key: String, field: String? = nil) throws(WireDecodingError) -> [UInt8] {
        guard let text = json[key]?.stringValue, text.utf8.count == 66, text.hasPrefix("0x"), text == text.lowercased(),
            let bytes = try? Hex.decode(String(text.dropFirst(2)), length: 32)
        else { throw WireDecodingError(field: field ?? key, reason: "must be 0x and 64 lowercase hex digits") }
        return bytes
    }
}
