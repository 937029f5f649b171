public import JSON

/// The receipt canonical form (spec/receipts.md §3): the bytes Ed25519 signs.
///
/// Step 1 drops `null` members and `null` array elements at every depth; step 2 writes
/// compact JSON with members sorted by the code points of their raw keys and every
/// character outside U+0020…U+007E escaped as lowercase `\uXXXX` (surrogate pairs above
/// U+FFFF); floats use the shortest round-trip digits in Python's layout (`JSONFloatText`).
/// The text is ASCII, so its UTF-8 bytes are the text itself (step 3).
///
/// Both steps happen in one pass of `JSONSerializer` (`.omittingNulls`): nulls and the
/// top-level `signature`/`attestations` are skipped while writing, not copied out first.
public enum CanonicalJSON {
    private static let serializer = JSONSerializer(options: [.sortedKeys, .asciiOnly, .omittingNulls])

    /// Canonical bytes of any JSON value (nulls dropped, sorted, ASCII-escaped).
    /// - Throws: `ReceiptError.nonFiniteNumber` for NaN or infinity.
    public static func bytes(of value: JSONValue) throws(ReceiptError) -> [UInt8] {
        do {
            return try serializer.serialize(value)
        } catch {
            throw .nonFiniteNumber
        }
    }

    /// Canonical bytes of a receipt given as its top-level members: `signature` and
    /// `attestations` at the top level are left out (nested ones are ordinary data).
    /// - Throws: `ReceiptError.nonFiniteNumber` for NaN or infinity.
    public static func receiptBytes(members: [JSONMember]) throws(ReceiptError) -> [UInt8] {
        do {
            return try serializer.serializeObject(members, omittingKeys: isUnsignedMember)
        } catch {
            throw .nonFiniteNumber
        }
    }

    /// Whether `key` names a top-level member that is excluded from the signed bytes
    /// (exact scalar comparison; the length test first rejects almost every key).
    public static func isUnsignedMember(_ key: String) -> Bool {
        switch key.utf8.count {
        case 9: return key.utf8.elementsEqual("signature".utf8)
        case 12: return key.utf8.elementsEqual("attestations".utf8)
        default: return false
        }
    }

    /// Step 1 on its own: removes `null` object members and `null` array elements,
    /// recursively. Empty containers, `""`, `0`, `0.0` and `false` stay. (`bytes(of:)` does
    /// not need it; it is for callers that want the cleaned tree.)
    public static func droppingNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements):
            return .array(elements.filter { !$0.isNull }.map(droppingNulls))
        case .object(let members):
            return .object(members.filter { !$0.value.isNull }.map { JSONMember(key: $0.key, value: droppingNulls($0.value)) })
        default:
            return value
        }
    }
}
