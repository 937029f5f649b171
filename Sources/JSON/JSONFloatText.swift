/// Text for a finite `Double` in the shortest form that reads back to the same value,
/// laid out the way Python's `repr(float)` does (the receipt reference's float text).
///
/// With the shortest round-trip digits `d1…dn` and decimal exponent `E`
/// (value = `d1.d2…dn × 10^E`): `E < -4` or `E >= 16` gives scientific notation
/// (`1e-05`, `1e+16`, `2.5e-10`, exponent at least two digits, always signed), anything
/// else fixed notation with at least one fractional digit (`1.0`, `0.0001`,
/// `9500000000000000.0`). Zero is `0.0`, negative zero `-0.0`.
public enum JSONFloatText {
    /// The text for `value`, or nil when it is NaN or infinite (not representable in JSON).
    public static func format(_ value: Double) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        guard append(value, to: &out) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the text for `value` to `out` (as `format` spells it); false, appending nothing,
    /// when it is NaN or infinite.
    public static func append(_ value: Double, to out: inout [UInt8]) -> Bool {
        guard value.isFinite else { return false }
        if value == 0 {
            out.append(contentsOf: (value.sign == .minus ? "-0.0" : "0.0").utf8)
            return true
        }
        let magnitude = value.magnitude
        if magnitude >= 1e-4 && magnitude < 1e16 {
            // Fixed notation in Python's layout. Where Swift's `description` is in fixed
            // notation too (no exponent), it is the same text: shortest digits, a point, at
            // least one fractional digit. (A small string: no allocation.)
            let text = value.description
            if !text.utf8.contains(UInt8(ascii: "e")) {
                out.append(contentsOf: text.utf8)
                return true
            }
        }
        if value.sign == .minus { out.append(UInt8(ascii: "-")) }
        let (digits, exponent) = shortestDigits(magnitude)
        out.append(contentsOf: layout(digits: digits, exponent: exponent).utf8)
        return true
    }

    /// The shortest round-trip decimal digits (no leading or trailing zeros) and the decimal
    /// exponent of the first digit, for a finite positive value.
    ///
    /// Swift's `description` already yields the shortest round-trip digits (SwiftDtoa picks
    /// the closest of the shortest candidates, like Python's repr); only its layout differs
    /// (`9.5e+15`, `1e-05`, `100.0`), so we read the digits back out of it, whatever its form.
    static func shortestDigits(_ magnitude: Double) -> (digits: [UInt8], exponent: Int) {
        let text = Array(magnitude.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let eIndex = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = text[..<eIndex]
            exponent = Int(String(decoding: text[(eIndex + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(mantissa.count)
        var integerDigits = 0
        var seenPoint = false
        for byte in mantissa {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if JSONInteger.isDigit(byte) {
                digits.append(byte)
                if !seenPoint { integerDigits += 1 }
            }
        }
        // value = 0.d1d2… × 10^pointPosition
        var pointPosition = integerDigits + exponent
        var leadingZeros = 0
        while leadingZeros < digits.count && digits[leadingZeros] == UInt8(ascii: "0") { leadingZeros += 1 }
        digits.removeFirst(leadingZeros)
        pointPosition -= leadingZeros
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty { digits = [UInt8(ascii: "0")] }
        return (digits, pointPosition - 1)
    }

    static func layout(digits: [UInt8], exponent: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(digits.count + 8)
        if exponent < -4 || exponent >= 16 {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            out.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let magnitude = exponent.magnitude
            if magnitude < 10 { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: String(magnitude).utf8)
        } else if exponent >= 0 {
            let integerCount = exponent + 1
            for position in 0..<integerCount {
                out.append(position < digits.count ? digits[position] : UInt8(ascii: "0"))
            }
            out.append(UInt8(ascii: "."))
            if digits.count > integerCount {
                out.append(contentsOf: digits[integerCount...])
            } else {
                out.append(UInt8(ascii: "0"))
            }
        } else {
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -exponent - 1))
            out.append(contentsOf: digits)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
