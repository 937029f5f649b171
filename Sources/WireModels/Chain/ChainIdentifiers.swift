public import Cryptography
public import JSON

/// An account address: `ait1…`, bech32 (BIP-173) over the first 20 bytes of SHA-256 of the
/// account's Ed25519 public key (ARCHITECTURE.md "Identity"). Either case is read (bech32
/// allows an all-uppercase form); the text kept is the lowercase canonical one, so two
/// spellings of one address are one key everywhere past the edge.
public struct Address: WireIdentifier {
    /// The lowercase `ait1…` text.
    public let rawValue: String
    /// The 20-byte key hash.
    public let accountAddress: AccountAddress

    /// The address, or nil unless `text` is a valid `ait1…` bech32 address of a 20-byte hash.
    public init?(_ text: String) {
        // bech32 strings are at most 90 characters; refusing longer text first keeps a
        // hostile megabyte out of the decoder.
        guard text.utf8.count <= 90, let parsed = try? AccountAddress(parsing: text) else { return nil }
        accountAddress = parsed
        // Decoding is injective (checksum and zero padding are checked), so valid lowercase
        // text is already the canonical form: re-encoding it, half the cost of a parse, is
        // only needed for the all-uppercase spelling.
        rawValue = text.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } ? parsed.description : text
    }

    /// The address of `publicKey`.
    public init(publicKey: Ed25519.PublicKey) {
        self.init(parsed: publicKey.address)
    }

    /// The address for a parsed `AccountAddress`.
    public init(parsed: AccountAddress) {
        accountAddress = parsed
        rawValue = parsed.description
    }

    /// `must be an ait1… bech32 address`.
    public static let rule = "must be an ait1… bech32 address"

    public static func == (lhs: Address, rhs: Address) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

/// A 32-byte SHA-256 digest as `0x` + 64 lowercase hex characters: transaction ids and block
/// hashes. Read with or without `0x` and in either case; always written `0x` + lowercase, so a
/// lookup by any spelling finds the one stored form.
public struct Hash32: WireIdentifier {
    /// `0x` + 64 lowercase hex characters.
    public let rawValue: String

    /// The hash, or nil unless `text` is 64 hex characters, optionally after `0x`.
    public init?(_ text: String) {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard digits.utf8.count == 64, digits.utf8.allSatisfy(\.isHexDigit) else { return nil }
        rawValue = "0x" + digits.lowercased()
    }

    /// The hash of `bytes` (32 bytes).
    public init(bytes: [UInt8]) {
        rawValue = "0x" + Hex.encode(bytes)
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { (try? Hex.decode(String(rawValue.dropFirst(2)))) ?? [] }

    /// 32 zero bytes: the parent of block 0.
    public static let zero = Hash32(bytes: [UInt8](repeating: 0, count: 32))

    /// `must be 0x followed by 64 hex characters`.
    public static let rule = "must be 0x followed by 64 hex characters"
}

/// A transaction id.
public typealias TxHash = Hash32
/// A block hash.
public typealias BlockHash = Hash32

extension UInt8 {
    var isHexDigit: Bool { (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66) }
}

extension WireFields {
    /// An amount, nonce or height: an integer literal in 0…Int64.max (every ledger value fits
    /// SQLite's INTEGER). Strict on purpose: money is never coerced from `"10"` or `10.0`.
    /// - Throws: `WireDecodingError` `<field>: must be an integer in 0…9223372036854775807`.
    public static func unsigned(_ value: JSONValue, field: String) throws(WireDecodingError) -> UInt64 {
        guard case .integer(let integer) = value, let int = integer.int64Value, int >= 0 else {
            throw WireDecodingError(field: field, reason: "must be an integer in 0…\(Int64.max)")
        }
        return UInt64(int)
    }

    /// Lowercase hex of exactly `bytes` bytes (`public_key`: 32, `sig`: 64).
    /// - Throws: `WireDecodingError` `<field>: must be <2×bytes> hex characters`.
    public static func hex(_ value: JSONValue, field: String, bytes: Int) throws(WireDecodingError) -> String {
        guard let text = value.stringValue, text.utf8.count == bytes * 2, text.utf8.allSatisfy(\.isHexDigit) else {
            throw WireDecodingError(field: field, reason: "must be \(bytes * 2) hex characters")
        }
        // Signed transactions carry lowercase hex: no copy for them.
        return text.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") } ? text.lowercased() : text
    }
}

extension JSONValue {
    /// An unsigned ledger integer.
    static func uint(_ value: UInt64) -> JSONValue { .integer(JSONInteger(Int64(clamping: value))) }
}
