/// Writes a `JSONValue` as compact UTF-8 JSON text: no whitespace, members in their order
/// (or sorted by code point), integers exactly, floats via `JSONFloatText`.
public struct JSONSerializer: Sendable {
    /// Output choices.
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int
        /// Creates options from raw bits.
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Order object members by the Unicode code points of their raw keys (shorter prefix
        /// first). Comparing UTF-8 bytes gives exactly code point order, unlike UTF-16 order.
        public static let sortedKeys = Options(rawValue: 1 << 0)
        /// Write U+007F and everything above U+007F as lowercase `\uXXXX` escapes (astral
        /// characters as surrogate pairs), so the output is pure ASCII.
        public static let asciiOnly = Options(rawValue: 1 << 1)
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
        try write(value, into: &out)
        return out
    }

    /// The text of `value`.
    /// - Throws: `JSONSerializationError.nonFiniteFloat` for NaN or infinity.
    public func string(_ value: JSONValue) throws(JSONSerializationError) -> String {
        String(decoding: try serialize(value), as: UTF8.self)
    }

    private func write(_ value: JSONValue, into out: inout [UInt8]) throws(JSONSerializationError) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let integer): out.append(contentsOf: integer.digits.utf8)
        case .float(let number):
            guard let text = JSONFloatText.format(number) else { throw .nonFiniteFloat }
            out.append(contentsOf: text.utf8)
        case .string(let text): writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                try write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            let ordered =
                options.contains(.sortedKeys)
                ? members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : members
            out.append(UInt8(ascii: "{"))
            for (position, member) in ordered.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// RFC 8259 §7 escaping: `"` and `\`, the five short control escapes, other C0 controls
    /// as `\u00xx`; with `.asciiOnly` also U+007F and every non-ASCII scalar.
    private func writeString(_ text: String, into out: inout [UInt8]) {
        let asciiOnly = options.contains(.asciiOnly)
        out.append(UInt8(ascii: "\""))
        if !asciiOnly {
            for byte in text.utf8 { JSONSerializer.appendEscaped(byte, asciiOnly: false, into: &out) }
        } else {
            for unit in text.utf16 {
                if unit < 0x80 {
                    JSONSerializer.appendEscaped(UInt8(unit), asciiOnly: true, into: &out)
                } else {
                    JSONSerializer.appendUnicodeEscape(unit, into: &out)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ byte: UInt8, asciiOnly: Bool, into out: inout [UInt8]) {
        switch byte {
        case 0x22: out.append(contentsOf: [0x5C, 0x22])
        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
        case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0x00..<0x20: appendUnicodeEscape(UInt16(byte), into: &out)
        case 0x7F where asciiOnly: appendUnicodeEscape(0x7F, into: &out)
        default: out.append(byte)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func appendUnicodeEscape(_ unit: UInt16, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
        }
    }
}
