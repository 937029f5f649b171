/// Why JSON text was rejected; every case but `inputTooLarge` carries the byte offset where
/// parsing stopped.
public enum JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input is longer than `JSONParser.Limits.maxInputBytes`.
    case inputTooLarge(limit: Int)
    /// The input ended inside a value (or was empty).
    case unexpectedEnd(offset: Int)
    /// A byte that cannot start or continue the value here.
    case unexpectedByte(UInt8, offset: Int)
    /// A number literal outside the RFC 8259 §6 grammar.
    case invalidNumber(offset: Int)
    /// A float literal that rounds to infinity (e.g. `1e400`); non-finite numbers are not JSON.
    case numberOutOfRange(offset: Int)
    /// A backslash escape outside RFC 8259 §7.
    case invalidEscape(offset: Int)
    /// A `\u` escape naming an unpaired UTF-16 surrogate, which no Unicode string can hold.
    case unpairedSurrogate(offset: Int)
    /// Bytes that are not well-formed UTF-8 (RFC 3629 §4).
    case invalidUTF8(offset: Int)
    /// An unescaped control character (U+0000…U+001F) inside a string.
    case controlCharacterInString(offset: Int)
    /// An object repeats a key (exact scalar comparison).
    case duplicateKey(String, offset: Int)
    /// Arrays and objects nest deeper than `JSONParser.Limits.maxDepth`.
    case depthLimitExceeded(limit: Int, offset: Int)
    /// Non-whitespace after the top-level value.
    case trailingData(offset: Int)

    /// The byte offset where parsing stopped, when the error has one.
    public var offset: Int? {
        switch self {
        case .inputTooLarge: return nil
        case .unexpectedEnd(let offset), .unexpectedByte(_, let offset), .invalidNumber(let offset),
            .numberOutOfRange(let offset), .invalidEscape(let offset), .unpairedSurrogate(let offset),
            .invalidUTF8(let offset), .controlCharacterInString(let offset), .duplicateKey(_, let offset),
            .depthLimitExceeded(_, let offset), .trailingData(let offset):
            return offset
        }
    }

    /// A one-line explanation for people.
    public var description: String {
        switch self {
        case .inputTooLarge(let limit): return "JSON input exceeds the limit of \(limit) bytes"
        case .unexpectedEnd(let offset): return "JSON input ends unexpectedly at byte \(offset)"
        case .unexpectedByte(let byte, let offset): return "unexpected \(Self.spell(byte)) at byte \(offset)"
        case .invalidNumber(let offset): return "invalid number at byte \(offset)"
        case .numberOutOfRange(let offset): return "number out of range (not finite) at byte \(offset)"
        case .invalidEscape(let offset): return "invalid escape sequence at byte \(offset)"
        case .unpairedSurrogate(let offset): return "unpaired UTF-16 surrogate escape at byte \(offset)"
        case .invalidUTF8(let offset): return "invalid UTF-8 at byte \(offset)"
        case .controlCharacterInString(let offset): return "unescaped control character in string at byte \(offset)"
        case .duplicateKey(let key, let offset): return "duplicate object key \"\(key)\" at byte \(offset)"
        case .depthLimitExceeded(let limit, let offset): return "nesting deeper than \(limit) at byte \(offset)"
        case .trailingData(let offset): return "unexpected data after the JSON value at byte \(offset)"
        }
    }

    /// A byte as people read it: printable ASCII as the character in quotes (`'}'`), anything
    /// else — control bytes, space, bytes of a UTF-8 sequence — as two hex digits (`byte 0x0a`),
    /// so a message never carries an invisible or partial character.
    static func spell(_ byte: UInt8) -> String {
        if (0x21...0x7E).contains(byte) { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }
}
