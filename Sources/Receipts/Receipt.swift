import Cryptography
public import JSON

/// A compute receipt: the signed members in input order, plus the unsigned top-level
/// `signature` and `attestations` exactly as received (they may be malformed; the
/// verifier reports that instead of failing).
public struct Receipt: Sendable, Equatable {
    /// Largest receipt text `init(parsing:)` accepts by default (16 MiB).
    public static let defaultMaxBytes = 16 << 20

    /// The signed members in input order (top-level `signature`/`attestations` removed).
    public var payload: [JSONMember]
    /// The top-level `signature` member as received, or nil when absent.
    public var signature: JSONValue?
    /// The top-level `attestations` member as received, or nil when absent.
    public var attestations: JSONValue?

    /// Creates a receipt from its parts. Any `signature`/`attestations` members in `payload`
    /// are moved out into the matching properties when those are nil.
    public init(payload: [JSONMember], signature: JSONValue? = nil, attestations: JSONValue? = nil) {
        var signed: [JSONMember] = []
        var foundSignature: JSONValue?
        var foundAttestations: JSONValue?
        for member in payload {
            if member.key.hasSameUTF8(as: "signature") {
                foundSignature = member.value
            } else if member.key.hasSameUTF8(as: "attestations") {
                foundAttestations = member.value
            } else {
                signed.append(member)
            }
        }
        self.payload = signed
        self.signature = signature ?? foundSignature
        self.attestations = attestations ?? foundAttestations
    }

    /// Reads a bare receipt object (with optional top-level `signature`/`attestations`).
    /// - Throws: `ReceiptError.notAnObject`.
    public init(json: JSONValue) throws(ReceiptError) {
        guard case .object(let members) = json else { throw .notAnObject }
        self.init(payload: members)
    }

    /// Parses receipt JSON text strictly (duplicate keys, non-finite numbers and oversize input rejected).
    /// - Throws: `ReceiptError.invalidJSON` or `.notAnObject`.
    public init(parsing bytes: [UInt8], maxBytes: Int = Receipt.defaultMaxBytes) throws(ReceiptError) {
        let value: JSONValue
        do {
            value = try JSONParser(limits: .init(maxInputBytes: maxBytes)).parse(bytes)
        } catch {
            throw .invalidJSON(error)
        }
        try self.init(json: value)
    }

    /// The value of the signed member `name`, if present.
    public subscript(field name: String) -> JSONValue? {
        payload.first { $0.key.hasSameUTF8(as: name) }?.value
    }

    /// The whole receipt as JSON: signed members in order, then `signature`, then `attestations`.
    public var json: JSONValue {
        var members = payload
        if let signature { members.append(JSONMember(key: "signature", value: signature)) }
        if let attestations { members.append(JSONMember(key: "attestations", value: attestations)) }
        return .object(members)
    }

    /// The canonical bytes (spec/receipts.md §3): the Ed25519 signing message.
    /// - Throws: `ReceiptError.nonFiniteNumber`.
    public func canonicalBytes() throws(ReceiptError) -> [UInt8] {
        try CanonicalJSON.receiptBytes(members: payload)
    }

    /// The canonical text (ASCII).
    /// - Throws: `ReceiptError.nonFiniteNumber`.
    public func canonicalText() throws(ReceiptError) -> String {
        String(decoding: try canonicalBytes(), as: UTF8.self)
    }

    /// `receipt_hash`: SHA-256 of the canonical bytes (for dedup and anchoring; not what is signed).
    /// - Throws: `ReceiptError.nonFiniteNumber`.
    public func receiptHash() throws(ReceiptError) -> [UInt8] {
        SHA256.hash(try canonicalBytes())
    }

    /// `receipt_hash` as lowercase hex.
    /// - Throws: `ReceiptError.nonFiniteNumber`.
    public func receiptHashHex() throws(ReceiptError) -> String {
        Hex.encode(try receiptHash())
    }
}
