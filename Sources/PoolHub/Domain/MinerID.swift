/// A miner's id: 1–64 characters of `[A-Za-z0-9._:-]` (the `miners.miner_id VARCHAR(64)` key).
///
/// The restricted alphabet keeps ids safe in Redis key names (`poolhub:miner:{id}`), log lines and
/// URLs without escaping, and makes byte order, `<` and Unicode order agree (ties sort by id).
public struct MinerID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Longest id accepted (the column width).
    public static let maxLength = 64

    /// The id's text.
    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: `PoolHubError.invalidMinerID` when it is empty, too long or holds another character.
    public init(_ rawValue: String) throws(PoolHubError) {
        let bytes = rawValue.utf8
        guard !bytes.isEmpty else { throw .invalidMinerID(reason: "empty") }
        guard bytes.count <= Self.maxLength else {
            throw .invalidMinerID(reason: "longer than \(Self.maxLength) characters")
        }
        for (offset, byte) in bytes.enumerated() where !Self.isAllowed(byte) {
            throw .invalidMinerID(reason: "character at offset \(offset) is not one of A-Z a-z 0-9 . _ : -")
        }
        self.rawValue = rawValue
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// Byte order (ASCII only, so the same as string order); the last tie-break of matching.
    public static func < (lhs: MinerID, rhs: MinerID) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    public var description: String { rawValue }
}
