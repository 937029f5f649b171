/// Bech32 strings as BIP-173 defines them (the original constant 1, not bech32m).
public enum Bech32 {
    /// BIP-173: the whole string is at most 90 characters.
    public static let maxLength = 90
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    /// `charset` inverted: the 5-bit value of each lowercase ASCII character, -1 for the
    /// characters outside the alphabet (a table lookup instead of a search per character:
    /// every address a transaction carries is decoded on the admission path).
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (value, character) in charset.enumerated() { table[Int(character)] = Int8(value) }
        return table
    }()
    private static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]

    /// Encodes 5-bit `data` values under the human-readable part `hrp` (lowercase output).
    /// - Throws: `CryptographyError.invalidBech32` for an empty or non-printable HRP, data
    ///   values above 31, or a result longer than 90 characters.
    public static func encode(hrp: String, data: [UInt8]) throws(CryptographyError) -> String {
        let hrpBytes = Array(hrp.lowercased().utf8)
        guard !hrpBytes.isEmpty, hrpBytes.allSatisfy({ (33...126).contains($0) }) else {
            throw .invalidBech32("human-readable part must be 1 or more characters in U+0021...U+007E")
        }
        guard data.allSatisfy({ $0 < 32 }) else { throw .invalidBech32("data values must be 5-bit") }
        guard hrpBytes.count + 1 + data.count + 6 <= maxLength else { throw .invalidBech32("longer than 90 characters") }
        let polymod = polymod(expand(hrpBytes) + data + [0, 0, 0, 0, 0, 0]) ^ 1
        let checksum = (0..<6).map { UInt8((polymod >> (5 * (5 - UInt32($0)))) & 31) }
        var out = hrpBytes
        out.append(UInt8(ascii: "1"))
        for value in data + checksum { out.append(charset[Int(value)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes and checks a bech32 string: the lowercase HRP and the 5-bit data values
    /// (checksum removed).
    /// - Throws: `CryptographyError.invalidBech32` saying which BIP-173 rule failed.
    public static func decode(_ text: String) throws(CryptographyError) -> (hrp: String, data: [UInt8]) {
        let bytes = Array(text.utf8)
        guard bytes.count <= maxLength else { throw .invalidBech32("longer than 90 characters") }
        guard bytes.allSatisfy({ (33...126).contains($0) }) else { throw .invalidBech32("character outside U+0021...U+007E") }
        let hasLower = bytes.contains { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }
        let hasUpper = bytes.contains { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
        guard !(hasLower && hasUpper) else { throw .invalidBech32("mixed case") }
        let lower = bytes.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")) else { throw .invalidBech32("no separator") }
        guard separator >= 1 else { throw .invalidBech32("empty human-readable part") }
        guard lower.count - separator - 1 >= 6 else { throw .invalidBech32("checksum too short") }
        let hrp = Array(lower[..<separator])
        var values: [UInt8] = []
        values.reserveCapacity(lower.count - separator - 1)
        for character in lower[(separator + 1)...] {
            // Printable ASCII was checked above, so every character indexes the table.
            let value = Self.values[Int(character & 0x7F)]
            guard value >= 0 else { throw .invalidBech32("invalid data character") }
            values.append(UInt8(value))
        }
        guard polymod(expand(hrp) + values) == 1 else { throw .invalidBech32("checksum mismatch") }
        return (String(decoding: hrp, as: UTF8.self), Array(values.dropLast(6)))
    }

    /// Regroups bits, e.g. bytes (8) into bech32 values (5) with `pad`, or back without.
    /// - Throws: `CryptographyError.invalidBech32` for out-of-range input values or, without
    ///   padding, leftover bits that are non-zero or amount to 5 or more (BIP-173 reference).
    public static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) throws(CryptographyError) -> [UInt8] {
        precondition((1...8).contains(from) && (1...8).contains(to), "bit group sizes must be 1...8")
        var accumulator: UInt32 = 0
        var bits = 0
        let maxValue: UInt32 = (1 << to) - 1
        var out: [UInt8] = []
        out.reserveCapacity(data.count * from / to + 1)
        for value in data {
            guard UInt32(value) >> from == 0 else { throw .invalidBech32("value does not fit in \(from) bits") }
            accumulator = (accumulator << from | UInt32(value)) & 0xFFFF
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((accumulator >> bits) & maxValue))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((accumulator << (to - bits)) & maxValue)) }
        } else if bits >= from || (accumulator << (to - bits)) & maxValue != 0 {
            throw .invalidBech32("non-zero or excess padding")
        }
        return out
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for index in 0..<5 where (top >> index) & 1 == 1 { checksum ^= generator[index] }
        }
        return checksum
    }
}
