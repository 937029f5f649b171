public import JSON

/// Exact decimal arithmetic for the two products minting needs, `units × mint_per_unit` and
/// `minted × coordinator_ratio`, both rounded down.
///
/// A receipt's `units` is a JSON number such as `12.5` or `0.29`. Multiplying the binary64
/// value would give `0.29 × 100 = 28.999999999999996` → 28; every node must instead agree on
/// the decimal the receipt's canonical text shows (spec/receipts.md §3: the shortest text that
/// reads back to the value), so the product is taken on those digits: 29.
///
/// Equality is by value: `2` (an integer) and `2.0` (a float, significand 20 × 10⁻¹) are equal,
/// as they are to the coordinator, which reads a work claim's units as a number.
public struct ExactDecimal: Sendable, Equatable, CustomStringConvertible {
    /// The digits as an integer.
    public let significand: UInt64
    /// Value = significand × 10^exponent.
    public let exponent: Int

    /// A value.
    public init(significand: UInt64, exponent: Int) {
        self.significand = significand
        self.exponent = exponent
    }

    /// The non-negative decimal a JSON number's canonical text shows; nil for negatives, NaN,
    /// infinities, and integers beyond 64 bits.
    public init?(json: JSONValue) {
        switch json {
        case .integer(let integer):
            guard let value = integer.int64Value, value >= 0 else { return nil }
            self.init(significand: UInt64(value), exponent: 0)
        case .float(let value):
            // -0.0 passes `>= 0` (receipts accept it as units) but its text has a sign: it is 0.
            guard value.isFinite, value >= 0 else { return nil }
            if value == 0 {
                self.init(significand: 0, exponent: 0)
                return
            }
            guard let text = JSONFloatText.format(value) else { return nil }
            self.init(text: text)
        default:
            return nil
        }
    }

    /// Parses `123`, `12.5`, `1e-05`, `1.25e+17` (the canonical float forms).
    public init?(text: String) {
        var mantissa = Substring(text)
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var exponentText = mantissa[mantissa.index(after: e)...]
            if exponentText.hasPrefix("+") { exponentText = exponentText.dropFirst() }
            guard let parsed = Int(exponentText) else { return nil }
            exponent = parsed
            mantissa = mantissa[..<e]
        }
        var digits = ""
        if let dot = mantissa.firstIndex(of: ".") {
            let fraction = mantissa[mantissa.index(after: dot)...]
            digits = String(mantissa[..<dot]) + fraction
            exponent -= fraction.count
        } else {
            digits = String(mantissa)
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), digits.count <= 19, let significand = UInt64(digits),
            (-400...400).contains(exponent)
        else { return nil }
        self.init(significand: significand, exponent: exponent)
    }

    /// `significand e exponent`.
    public var description: String { "\(significand)e\(exponent)" }

    /// Equal values, however spelt (`20e-1 == 2e0`, `0e-4 == 0e2`).
    public static func == (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        let (left, right) = (lhs.normalized, rhs.normalized)
        return left.significand == right.significand && left.exponent == right.exponent
    }

    /// Trailing zeros of the significand moved into the exponent; zero as 0e0.
    private var normalized: (significand: UInt64, exponent: Int) {
        guard significand != 0 else { return (0, 0) }
        var digits = significand
        var power = exponent
        while digits % 10 == 0 {
            digits /= 10
            power += 1
        }
        return (digits, power)
    }

    /// Whether the value is at most 1, exactly: `multipliedRoundingDown` rounds, so a bound
    /// checked through it lets through anything above 1 by less than its resolution.
    public var isAtMostOne: Bool {
        let (digits, power) = normalized
        if digits == 0 { return true }
        if power >= 0 { return digits == 1 && power == 0 }
        // digits × 10^power ≤ 1 ⇔ digits ≤ 10^-power; 10^20 exceeds every UInt64.
        guard -power < 20 else { return true }
        var limit: UInt64 = 1
        for _ in 0..<(-power) { limit *= 10 }
        return digits <= limit
    }

    /// ⌊self × multiplier⌋, or nil when it exceeds `limit`.
    public func multipliedRoundingDown(by multiplier: UInt64, limit: UInt64 = UInt64(Int64.max)) -> UInt64? {
        var product = UInt128(significand) * UInt128(multiplier)
        if exponent >= 0 {
            for _ in 0..<exponent {
                guard product <= UInt128(limit) else { return nil }
                product *= 10
            }
        } else {
            for _ in 0..<(-exponent) {
                product /= 10
                if product == 0 { break }
            }
        }
        guard product <= UInt128(limit) else { return nil }
        return UInt64(product)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
