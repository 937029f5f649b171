public import JSON

/// An identifier with one validation rule, checked once where text enters (a request, a
/// route parameter, a response): past that edge the type says the text is well formed.
public protocol WireIdentifier: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The identifier's text, as on the wire.
    var rawValue: String { get }
    /// The identifier, or nil when `text` breaks its rule.
    init?(_ text: String)
    /// What the rule asks, for error messages (`must be 32 lowercase hex characters`).
    static var rule: String { get }
}

extension WireIdentifier {
    /// The identifier, or an error naming `field`.
    /// - Throws: `WireDecodingError` `<field>: must be …`.
    public init(validating text: String, field: String) throws(WireDecodingError) {
        guard let id = Self(text) else { throw WireDecodingError(field: field, reason: Self.rule) }
        self = id
    }

    /// The identifier from a JSON member.
    /// - Throws: `WireDecodingError` when `value` is not a string or breaks the rule.
    public init(json value: JSONValue, field: String) throws(WireDecodingError) {
        try self.init(validating: try WireFields.string(value, field: field), field: field)
    }

    /// The text.
    public var description: String { rawValue }
    /// The identifier as a JSON string.
    public var json: JSONValue { .string(rawValue) }

    /// Ordered by text.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Rules shared by the identifier types.
enum IdentifierRules {
    /// 32 lowercase hex digits (UUIDv4 without dashes, 16 random bytes).
    static func isLowercaseHex32(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// `[A-Za-z0-9._-]{1,64}`: principal ids (derived `miner-<12 hex>` or configured `ID:KEY`).
    static func isPrincipalID(_ text: String) -> Bool {
        guard (1...64).contains(text.utf8.count) else { return false }
        return text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}

/// A job id as the coordinator issues it: a UUIDv4 as 32 lowercase hex characters (spec/coordinator.md §4).
public struct JobID: WireIdentifier {
    /// The 32 hex characters.
    public let rawValue: String
    /// The id, or nil unless `text` is 32 lowercase hex characters.
    public init?(_ text: String) {
        guard IdentifierRules.isLowercaseHex32(text) else { return nil }
        rawValue = text
    }
    /// `must be 32 lowercase hex characters`.
    public static let rule = "must be 32 lowercase hex characters"
}

/// A receipt id: 16 random bytes as 32 lowercase hex characters (spec/coordinator.md §4).
public struct ReceiptID: WireIdentifier {
    /// The 32 hex characters.
    public let rawValue: String
    /// The id, or nil unless `text` is 32 lowercase hex characters.
    public init?(_ text: String) {
        guard IdentifierRules.isLowercaseHex32(text) else { return nil }
        rawValue = text
    }
    /// `must be 32 lowercase hex characters`.
    public static let rule = "must be 32 lowercase hex characters"
}

/// A miner's principal id: `[A-Za-z0-9._-]{1,64}`, the rule the coordinator's key ring gives
/// every principal (derived `miner-<12 hex>`, or the `ID` of a configured `ID:KEY`). It is
/// what a miner's signed work claim and receipts name; never the key.
public struct MinerID: WireIdentifier {
    /// The principal id.
    public let rawValue: String
    /// The id, or nil unless `text` matches `[A-Za-z0-9._-]{1,64}`.
    public init?(_ text: String) {
        guard IdentifierRules.isPrincipalID(text) else { return nil }
        rawValue = text
    }
    /// `must be 1...64 characters of [A-Za-z0-9._-]`.
    public static let rule = "must be 1...64 characters of [A-Za-z0-9._-]"

    /// Whether `text` is a well-formed principal id of any role (clients and admins follow
    /// the same rule as miners).
    public static func isPrincipalID(_ text: String) -> Bool { IdentifierRules.isPrincipalID(text) }
}
