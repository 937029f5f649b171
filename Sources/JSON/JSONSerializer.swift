/// Writes a `JSONValue` as compact UTF-8 JSON text: no whitespace, members in their order
/// (or sorted by code point), integers exactly, floats via `JSONFloatText`.
///
/// One pass over the tree, appending to one buffer: strings are copied from their UTF-8 bytes
/// in runs that need no escaping, sorting orders an index buffer rather than copying members,
/// and `.omittingNulls` skips nulls while writing rather than copying the tree first.
public struct JSONSerializer: Sendable {
    /// Output choices.
    public struct Options: OptionSet, Sendable {
        /// The option bits.
        public let rawValue: Int
        /// Creates options from raw bits.
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Order object members by the Unicode code points of their raw keys (shorter prefix
        /// first). Comparing UTF-8 bytes gives exactly code point order, unlike UTF-16 order.
        public static let sortedKeys = Options(rawValue: 1 << 0)
        /// Write U+007F and everything above U+007F as lowercase `\uXXXX` escapes (astral
        /// characters as surrogate pairs), so the output is pure ASCII.
        public static let asciiOnly = Options(rawValue: 1 << 1)
        /// Leave out `null` object members and `null` array elements at every depth (a `null`
        /// at the top level is still written). Empty containers, `""`, `0` and `false` stay.
        public static let omittingNulls = Options(rawValue: 1 << 2)
    }

    /// The options in effect.
    public var options: Options

    /// Creates a serializer.
    public init(options: Options = []) {
        self.options = options
    }

    /// The UTF-8 bytes of `value`.
    /// - Throws: `JSONSerializationError.nonFiniteFloat` for NaN or infinity, which JSON cannot express.
    public func serialize(_ value: JSONValue) throws(JSONSerializationError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        guard write(value, into: &out) else { throw .nonFiniteFloat }
        return out
    }

    /// The UTF-8 bytes of the object made of `members`, leaving out the members whose key
    /// `isOmitted` accepts (at this level only; nested objects are written whole). Equal to
    /// `serialize(.object(members.filter { !isOmitted($0.key) }))` without the copy.
    /// - Throws: `JSONSerializationError.nonFiniteFloat` for NaN or infinity.
    public func serializeObject(
        _ members: [JSONMember], omittingKeys isOmitted: (String) -> Bool
    ) throws(JSONSerializationError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        guard writeObject(members, filteringKeys: true, omittingKeys: isOmitted, into: &out) else { throw .nonFiniteFloat }
        return out
    }

    /// The text of `value`.
    /// - Throws: `JSONSerializationError.nonFiniteFloat` for NaN or infinity.
    public func string(_ value: JSONValue) throws(JSONSerializationError) -> String {
        String(decoding: try serialize(value), as: UTF8.self)
    }

    /// Appends `value`; false when it holds a non-finite float (`out` then holds a partial text).
    private func write(_ value: JSONValue, into out: inout [UInt8]) -> Bool {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let integer): out.append(contentsOf: integer.digits.utf8)
        case .float(let number): return JSONFloatText.append(number, to: &out)
        case .string(let text): writeString(text, into: &out)
        case .array(let elements):
            let omittingNulls = options.contains(.omittingNulls)
            out.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if omittingNulls && element.isNull { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                guard write(element, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            return writeObject(members, filteringKeys: false, omittingKeys: { _ in false }, into: &out)
        }
        return true
    }

    /// Objects up to this size are ordered by insertion sort (no allocation beyond the index
    /// buffer); larger ones by the standard sort, so input cannot make sorting quadratic.
    private static let insertionSortLimit = 32

    private func writeObject(
        _ members: [JSONMember], filteringKeys: Bool, omittingKeys isOmitted: (String) -> Bool,
        into out: inout [UInt8]
    ) -> Bool {
        let omittingNulls = options.contains(.omittingNulls)
        guard options.contains(.sortedKeys) else {
            out.append(UInt8(ascii: "{"))
            var first = true
            for member in members {
                if omittingNulls && member.value.isNull { continue }
                if filteringKeys && isOmitted(member.key) { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                guard writeMember(member, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "}"))
            return true
        }
        if members.count > JSONSerializer.insertionSortLimit {
            var order: [Int] = []
            order.reserveCapacity(members.count)
            for index in members.indices {
                if omittingNulls && members[index].value.isNull { continue }
                if filteringKeys && isOmitted(members[index].key) { continue }
                order.append(index)
            }
            // Ties keep input order (as a stable sort would): duplicate keys stay in sequence.
            order.sort { a, b in
                let ka = members[a].key
                let kb = members[b].key
                if JSONSerializer.precedes(ka, kb) { return true }
                if JSONSerializer.precedes(kb, ka) { return false }
                return a < b
            }
            return writeMembers(members, order: order[...], into: &out)
        }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: members.count) { order in
            var count = 0
            for index in members.indices {
                let member = members[index]
                if omittingNulls && member.value.isNull { continue }
                if filteringKeys && isOmitted(member.key) { continue }
                // Insertion sort, stable: an equal key goes after those already placed.
                var position = count
                while position > 0 && JSONSerializer.precedes(member.key, members[order[position - 1]].key) {
                    order[position] = order[position - 1]
                    position -= 1
                }
                order[position] = index
                count += 1
            }
            return writeMembers(members, order: UnsafeBufferPointer(rebasing: order[0..<count]), into: &out)
        }
    }

    private func writeMembers<Order: Collection<Int>>(
        _ members: [JSONMember], order: Order, into out: inout [UInt8]
    ) -> Bool {
        out.append(UInt8(ascii: "{"))
        var first = true
        for index in order {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            guard writeMember(members[index], into: &out) else { return false }
        }
        out.append(UInt8(ascii: "}"))
        return true
    }

    private func writeMember(_ member: JSONMember, into out: inout [UInt8]) -> Bool {
        writeString(member.key, into: &out)
        out.append(UInt8(ascii: ":"))
        return write(member.value, into: &out)
    }

    /// Code point order of two strings: their UTF-8 bytes compared as unsigned bytes (UTF-8
    /// preserves code point order, RFC 3629 §1), on contiguous storage when the strings have it.
    static func precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in x.lexicographicallyPrecedes(y) }
        }
        if let fast, let result = fast { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// RFC 8259 §7 escaping: `"` and `\`, the five short control escapes, other C0 controls
    /// as `\u00xx`; with `.asciiOnly` also U+007F and every non-ASCII scalar. Bytes that need
    /// none are copied in runs.
    private func writeString(_ text: String, into out: inout [UInt8]) {
        let asciiOnly = options.contains(.asciiOnly)
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            let count = bytes.count
            var runStart = 0
            var index = 0
            while index < count {
                // Skip plain bytes 8 at a time (strings are mostly plain).
                while index &+ 8 <= count,
                    JSONSerializer.isPlain(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self), asciiOnly)
                {
                    index &+= 8
                }
                guard index < count else { break }
                let byte = bytes[index]
                if byte >= 0x20 && byte != 0x22 && byte != 0x5C && (!asciiOnly || byte < 0x7F) {
                    index &+= 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                if byte < 0x80 {
                    JSONSerializer.appendEscaped(byte, into: &out)
                    index &+= 1
                } else {
                    index = JSONSerializer.appendEscapedScalar(bytes, at: index, into: &out)
                }
                runStart = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether none of the 8 bytes in `word` needs escaping: none below 0x20, none `"` or `\`,
    /// and with `asciiOnly` none ≥ 0x7F. SWAR: each test sets the high bit of the bytes it hits
    /// (the classic "has zero byte" trick; its false positives only send a word to the
    /// byte-by-byte path, never the other way).
    @inline(__always)
    private static func isPlain(_ word: UInt64, _ asciiOnly: Bool) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let belowSpace = (word &- ones &* 0x20) & ~word & high
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let isQuote = (quote &- ones) & ~quote & high
        let isBackslash = (backslash &- ones) & ~backslash & high
        // ≥ 0x80 has the high bit; 0x7F gets it from +1.
        let nonASCIIorDEL = asciiOnly ? (word | (word &+ ones)) & high : 0
        return (belowSpace | nonASCIIorDEL | isQuote | isBackslash) == 0
    }

    /// The escape for an ASCII byte that needs one (`"`, `\`, C0 controls, U+007F).
    private static func appendEscaped(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case 0x22: out.append(0x5C); out.append(0x22)
        case 0x5C: out.append(0x5C); out.append(0x5C)
        case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
        case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
        case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
        default: appendUnicodeEscape(UInt16(byte), into: &out)
        }
    }

    /// Writes the scalar whose UTF-8 lead byte is at `index` as `\uXXXX` (a surrogate pair
    /// above U+FFFF, RFC 8259 §7) and returns the index after it. A native `String`'s UTF-8 is
    /// always valid; a truncated sequence is still read only within `bytes`.
    private static func appendEscapedScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, into out: inout [UInt8]) -> Int {
        let lead = bytes[index]
        var scalar: UInt32
        var length: Int
        if lead >= 0xF0 {
            scalar = UInt32(lead & 0x07); length = 4
        } else if lead >= 0xE0 {
            scalar = UInt32(lead & 0x0F); length = 3
        } else {
            scalar = UInt32(lead & 0x1F); length = 2
        }
        length = min(length, bytes.count - index)
        for offset in 1..<max(length, 1) { scalar = scalar << 6 | UInt32(bytes[index + offset] & 0x3F) }
        if scalar >= 0x10000 {
            let v = scalar - 0x10000
            appendUnicodeEscape(UInt16(truncatingIfNeeded: 0xD800 + (v >> 10)), into: &out)
            appendUnicodeEscape(UInt16(truncatingIfNeeded: 0xDC00 + (v & 0x3FF)), into: &out)
        } else {
            appendUnicodeEscape(UInt16(truncatingIfNeeded: scalar), into: &out)
        }
        return index + max(length, 1)
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
}
