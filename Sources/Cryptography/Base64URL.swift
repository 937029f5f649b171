/// Unpadded base64url (RFC 4648 §5, padding omitted as §3.2 allows) with a strict decoder.
///
/// Every byte string has exactly one accepted spelling: the decoder rejects `=` padding,
/// the standard alphabet's `+` and `/`, whitespace and any other character, a length of
/// 1 mod 4, and non-zero unused bits in the last character (RFC 4648 §3.5).
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The unpadded base64url text of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
            out.append(alphabet[Int(chunk >> 6 & 0x3F)])
            out.append(alphabet[Int(chunk & 0x3F)])
            index += 3
        }
        switch bytes.count - index {
        case 1:
            let chunk = UInt32(bytes[index]) << 16
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
        case 2:
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
            out.append(alphabet[Int(chunk >> 6 & 0x3F)])
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of canonical unpadded base64url `text`.
    /// - Throws: `CryptographyError.invalidBase64URL` at the first offending character
    ///   (offset = length for an impossible length).
    public static func decode(_ text: String) throws(CryptographyError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var values = [UInt8](repeating: 0, count: utf8.count)
        for (offset, character) in utf8.enumerated() {
            guard let value = value(character) else { throw .invalidBase64URL(offset: offset) }
            values[offset] = value
        }
        let remainder = utf8.count % 4
        guard remainder != 1 else { throw .invalidBase64URL(offset: utf8.count) }
        // The last character of a partial group carries 4 (remainder 2) or 2 (remainder 3)
        // unused low bits; they must be zero or several texts would decode to the same bytes.
        if remainder == 2, let last = values.last, last & 0x0F != 0 { throw .invalidBase64URL(offset: utf8.count - 1) }
        if remainder == 3, let last = values.last, last & 0x03 != 0 { throw .invalidBase64URL(offset: utf8.count - 1) }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count * 3 / 4)
        var index = 0
        while index + 4 <= values.count {
            let chunk = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12
                | UInt32(values[index + 2]) << 6 | UInt32(values[index + 3])
            out.append(UInt8(chunk >> 16 & 0xFF))
            out.append(UInt8(chunk >> 8 & 0xFF))
            out.append(UInt8(chunk & 0xFF))
            index += 4
        }
        if remainder >= 2 {
            var chunk = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12
            if remainder == 3 { chunk |= UInt32(values[index + 2]) << 6 }
            out.append(UInt8(chunk >> 16 & 0xFF))
            if remainder == 3 { out.append(UInt8(chunk >> 8 & 0xFF)) }
        }
        return out
    }

    private static func value(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): return 62
        case UInt8(ascii: "_"): return 63
        default: return nil
        }
    }
}
