public import Cryptography
import CSodium

/// Standard padded base64 (RFC 4648 §4) with a strict decoder, as the keystore format and
/// the [REF] routes use it (spec/wallet-daemon.md §4.2).
///
/// The reference decoded leniently, silently dropping non-alphabet characters (§14.8). Here
/// every byte string has exactly one accepted spelling: the length must be a multiple of 4,
/// `=` appears only as the final one or two characters, whitespace and URL-alphabet
/// characters are refused, and the unused bits before the padding must be zero (§3.5).
public enum StrictBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The padded base64 text of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let remaining = input.count - index
            let b0 = UInt32(input[index])
            let b1 = remaining > 1 ? UInt32(input[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(input[index + 2]) : 0
            let chunk = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
            out.append(remaining > 1 ? alphabet[Int(chunk >> 6 & 0x3F)] : UInt8(ascii: "="))
            out.append(remaining > 2 ? alphabet[Int(chunk & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of strict padded base64 `text`.
    /// - Throws: `WalletCoreError.invalidBase64` at the first offending byte (the length for a
    ///   length that is not a multiple of 4).
    public static func decode(_ text: String) throws(WalletCoreError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: try decodedLength(utf8))
        try decode(utf8) { out[$0] = $1 }
        return out
    }

    /// Decodes secret base64 (a caller-supplied seed) straight into `SecureBytes`; the
    /// intermediate copy of the text is zeroed.
    /// - Throws: `WalletCoreError.invalidBase64`.
    public static func decodeSecure(_ text: String) throws(WalletCoreError) -> SecureBytes {
        var utf8 = Array(text.utf8)
        defer { utf8.withUnsafeMutableBytes { if let base = $0.baseAddress { sodium_memzero(base, $0.count) } } }
        let length = try decodedLength(utf8)
        var failure: WalletCoreError?
        let result = SecureBytes(count: length) { buffer in
            do throws(WalletCoreError) { try decode(utf8) { buffer[$0] = $1 } } catch { failure = error }
        }
        if let failure { throw failure }
        return result
    }

    private static func decodedLength(_ utf8: [UInt8]) throws(WalletCoreError) -> Int {
        guard utf8.count % 4 == 0 else { throw .invalidBase64(offset: utf8.count) }
        var padding = 0
        if utf8.last == UInt8(ascii: "=") { padding += 1 }
        if utf8.count >= 2, utf8[utf8.count - 2] == UInt8(ascii: "=") { padding += 1 }
        return utf8.count / 4 * 3 - padding
    }

    /// Decodes, handing each byte and its index to `store` (the output `decodedLength` sized).
    private static func decode(_ utf8: [UInt8], store: (Int, UInt8) -> Void) throws(WalletCoreError) {
        var written = 0
        var offset = 0
        while offset < utf8.count {
            let isLastGroup = offset + 4 == utf8.count
            var values: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
            var padding = 0
            for position in 0..<4 {
                let character = utf8[offset + position]
                let value: UInt32
                if character == UInt8(ascii: "=") {
                    // Padding only in the last group, only in its last two places, and only
                    // followed by more padding.
                    guard isLastGroup, position >= 2, position == 2 ? utf8[offset + 3] == UInt8(ascii: "=") : true else {
                        throw .invalidBase64(offset: offset + position)
                    }
                    padding += 1
                    value = 0
                } else {
                    guard padding == 0, let decoded = Self.value(character) else {
                        throw .invalidBase64(offset: offset + position)
                    }
                    value = decoded
                }
                switch position {
                case 0: values.0 = value
                case 1: values.1 = value
                case 2: values.2 = value
                default: values.3 = value
                }
            }
            let chunk = values.0 << 18 | values.1 << 12 | values.2 << 6 | values.3
            // RFC 4648 §3.5: the bits the padding leaves unused must be zero.
            if padding == 1, chunk & 0xFF != 0 { throw .invalidBase64(offset: offset + 2) }
            if padding == 2, chunk & 0xFFFF != 0 { throw .invalidBase64(offset: offset + 1) }
            // Stored straight into the output (no temporary array), which may be secret memory.
            for shift in [16, 8, 0].prefix(3 - padding) {
                store(written, UInt8(chunk >> UInt32(shift) & 0xFF))
                written += 1
            }
            offset += 4
        }
    }

    private static func value(_ character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(character - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(character - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
