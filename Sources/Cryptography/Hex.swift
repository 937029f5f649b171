import CSodium

/// Base16 text for bytes.
///
/// Encoding writes lowercase. Decoding accepts lowercase and uppercase digits (case carries no
/// information in hex, so there is no second spelling of different bytes to worry about), and
/// rejects odd lengths, whitespace, `0x` prefixes and every other character.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lowercase hex of raw memory.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        encode(bytes.lazy.map { $0 })
    }

    /// The bytes written in `text`.
    /// - Throws: `CryptographyError.invalidHex` at the first bad character (or at the end for odd length).
    public static func decode(_ text: String) throws(CryptographyError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: utf8.count / 2)
        try decode(utf8, into: &out)
        return out
    }

    /// The bytes written in `text`, which must encode exactly `length` bytes.
    /// - Throws: `CryptographyError.invalidHex` or `.invalidLength`.
    public static func decode(_ text: String, length: Int) throws(CryptographyError) -> [UInt8] {
        let bytes = try decode(text)
        guard bytes.count == length else { throw .invalidLength(what: "hex value", expected: length, actual: bytes.count) }
        return bytes
    }

    /// Decodes secret hex (e.g. a configured seed) straight into `SecureBytes`.
    /// - Throws: `CryptographyError.invalidHex`.
    public static func decodeSecure(_ text: String) throws(CryptographyError) -> SecureBytes {
        var utf8 = Array(text.utf8)
        defer { utf8.withUnsafeMutableBytes { if let base = $0.baseAddress { sodium_memzero(base, $0.count) } } }
        guard utf8.count % 2 == 0 else { throw .invalidHex(offset: utf8.count) }
        var failure: CryptographyError?
        let result = SecureBytes(count: utf8.count / 2) { out in
            for index in 0..<out.count {
                guard let high = value(utf8[2 * index]) else { failure = .invalidHex(offset: 2 * index); return }
                guard let low = value(utf8[2 * index + 1]) else { failure = .invalidHex(offset: 2 * index + 1); return }
                out[index] = high << 4 | low
            }
        }
        if let failure { throw failure }
        return result
    }

    private static func decode(_ utf8: [UInt8], into out: inout [UInt8]) throws(CryptographyError) {
        guard utf8.count % 2 == 0 else { throw .invalidHex(offset: utf8.count) }
        for index in 0..<out.count {
            guard let high = value(utf8[2 * index]) else { throw .invalidHex(offset: 2 * index) }
            guard let low = value(utf8[2 * index + 1]) else { throw .invalidHex(offset: 2 * index + 1) }
            out[index] = high << 4 | low
        }
    }

    private static func value(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
