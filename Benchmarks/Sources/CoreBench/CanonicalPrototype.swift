import JSON
import Receipts

/// A prototype of a one-pass canonical writer (spec/receipts.md §3), to measure what
/// `Receipts.CanonicalJSON` could reach. NOT product code: it lives here so the owner of
/// Sources/Receipts and Sources/JSON can see the approach and its numbers; CoreBench checks
/// that its bytes equal the library's for every vector and for random doubles before timing it.
///
/// Differences from the library path (CanonicalJSON.receiptBytes → droppingNulls →
/// JSONSerializer(.sortedKeys, .asciiOnly)):
/// 1. no intermediate tree: nulls (and top-level signature/attestations) are skipped while writing;
/// 2. members are ordered by sorting an index buffer on the stack (insertion sort, stable),
///    comparing keys' contiguous UTF-8 bytes, instead of copying and sorting [JSONMember];
/// 3. strings are written from their UTF-8 bytes in runs (no UTF16View iteration, no per-byte append);
/// 4. floats take Double.description as is when it is already in the canonical layout.
enum CanonicalPrototype {
    /// Canonical bytes of a receipt's top-level members, or nil for a non-finite float.
    static func receiptBytes(_ members: [JSONMember]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        guard writeObject(members, topLevel: true, into: &out) else { return nil }
        return out
    }

    /// Canonical bytes of any value.
    static func bytes(of value: JSONValue) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        guard write(value, into: &out) else { return nil }
        return out
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8]) -> Bool {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let integer): out.append(contentsOf: integer.digits.utf8)
        case .float(let number): return writeFloat(number, into: &out)
        case .string(let text): writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            var first = true
            for element in elements where !element.isNull {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                guard write(element, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            return writeObject(members, topLevel: false, into: &out)
        }
        return true
    }

    private static func writeObject(_ members: [JSONMember], topLevel: Bool, into out: inout [UInt8]) -> Bool {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: members.count) { order in
            var count = 0
            for index in members.indices {
                let member = members[index]
                if member.value.isNull { continue }
                if topLevel && isUnsignedMember(member.key) { continue }
                // Insertion sort: objects are small, and it is stable like the library's sort.
                var position = count
                while position > 0 && precedes(member.key, members[order[position - 1]].key) {
                    order[position] = order[position - 1]
                    position -= 1
                }
                order[position] = index
                count += 1
            }
            out.append(UInt8(ascii: "{"))
            for position in 0..<count {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                let member = members[order[position]]
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                guard write(member.value, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "}"))
            return true
        }
    }

    /// `CanonicalJSON.isUnsignedMember` with a length test first: most keys are rejected
    /// without comparing bytes.
    private static func isUnsignedMember(_ key: String) -> Bool {
        let count = key.utf8.count
        guard count == 9 || count == 12 else { return false }
        return CanonicalJSON.isUnsignedMember(key)
    }

    /// Whether none of the 8 bytes in `word` needs escaping: all in 0x20…0x7E, none `"` or `\`
    /// (SWAR: per-byte tests on one 64-bit word, high bit of each byte set where a test hits).
    @inline(__always)
    private static func isPlain(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let belowSpace = (word &- ones &* 0x20) & ~word & high
        let nonASCIIorDEL = (word | (word &+ ones)) & high  // ≥ 0x80, or 0x7F (+1 sets the high bit)
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let isQuote = (quote &- ones) & ~quote & high
        let isBackslash = (backslash &- ones) & ~backslash & high
        return (belowSpace | nonASCIIorDEL | isQuote | isBackslash) == 0
    }

    /// UTF-8 byte order, which is code point order.
    private static func precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                x.lexicographicallyPrecedes(y)
            }
        }
        if let fast, let result = fast { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendUnicodeEscape(_ unit: UInt16, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        out.append(hexDigits[Int(unit >> 12)])
        out.append(hexDigits[Int((unit >> 8) & 0xF)])
        out.append(hexDigits[Int((unit >> 4) & 0xF)])
        out.append(hexDigits[Int(unit & 0xF)])
    }

    private static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            var index = 0
            while index < bytes.count {
                // Skip plain bytes 8 at a time.
                while index + 8 <= bytes.count,
                    isPlain(UnsafeRawPointer(bytes.baseAddress.unsafelyUnwrapped + index).loadUnaligned(as: UInt64.self))
                {
                    index += 8
                }
                guard index < bytes.count else { break }
                let byte = bytes[index]
                if byte >= 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C {
                    index += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                if byte < 0x80 {
                    switch byte {
                    case 0x22: out.append(0x5C); out.append(0x22)
                    case 0x5C: out.append(0x5C); out.append(0x5C)
                    case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
                    case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
                    case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
                    case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
                    case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
                    default: appendUnicodeEscape(UInt16(byte), into: &out)  // other C0 controls and U+007F
                    }
                    index += 1
                } else {
                    // Decode one scalar from valid UTF-8 (a native String always is).
                    var scalar: UInt32
                    var length: Int
                    if byte >= 0xF0 {
                        scalar = UInt32(byte & 0x07); length = 4
                    } else if byte >= 0xE0 {
                        scalar = UInt32(byte & 0x0F); length = 3
                    } else {
                        scalar = UInt32(byte & 0x1F); length = 2
                    }
                    for offset in 1..<length { scalar = scalar << 6 | UInt32(bytes[index + offset] & 0x3F) }
                    if scalar >= 0x10000 {
                        let v = scalar - 0x10000
                        appendUnicodeEscape(UInt16(0xD800 + (v >> 10)), into: &out)
                        appendUnicodeEscape(UInt16(0xDC00 + (v & 0x3FF)), into: &out)
                    } else {
                        appendUnicodeEscape(UInt16(scalar), into: &out)
                    }
                    index += length
                }
                runStart = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Python's repr layout: fixed notation for 1e-4 ≤ |x| < 1e16, where Swift's shortest
    /// round-trip `description` is the same text when it has no exponent; otherwise the library.
    private static func writeFloat(_ number: Double, into out: inout [UInt8]) -> Bool {
        guard number.isFinite else { return false }
        let magnitude = number.magnitude
        if magnitude >= 1e-4 && magnitude < 1e16 {
            let text = number.description
            if !text.utf8.contains(UInt8(ascii: "e")) {
                out.append(contentsOf: text.utf8)
                return true
            }
        }
        guard let text = JSONFloatText.format(number) else { return false }
        out.append(contentsOf: text.utf8)
        return true
    }
}
