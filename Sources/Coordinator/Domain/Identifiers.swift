import Cryptography
import WireModels

/// Random identifiers in the formats of spec/coordinator.md §4.
enum Identifiers {
    /// A UUIDv4 as 32 lowercase hex characters (job ids, session tokens, history row ids).
    static func uuidHex() -> String {
        var bytes = SecureRandom.bytes(count: 16)
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4 (RFC 9562 §5.4)
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10
        return Hex.encode(bytes)
    }

    /// A UUIDv7 (RFC 9562 §5.7: 48-bit Unix milliseconds, then 74 random bits) as 32 lowercase
    /// hex characters, for internal row ids (`jobreceipt.id`): they sort by creation time, so
    /// their primary-key index grows at its end instead of on a random page per insert.
    static func timeOrderedUUIDHex(milliseconds: Int64) -> String {
        var bytes = SecureRandom.bytes(count: 16)
        let time = UInt64(max(0, milliseconds))
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: time >> (8 * (5 - index))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10
        return Hex.encode(bytes)
    }

    /// 16 random bytes as 32 hex characters (receipt ids).
    static func receiptID() -> String { Hex.encode(SecureRandom.bytes(count: 16)) }

    /// Whether `text` looks like an id we issue (`JobID`'s rule: 32 lowercase hex), so
    /// malformed ids are answered 404 without touching the database.
    static func isWellFormed(_ text: String) -> Bool { JobID(text) != nil }
}
