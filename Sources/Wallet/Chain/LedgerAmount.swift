/// An amount of AIT as the wallet's answers carry it: a non-negative decimal string with at
/// most 18 fractional digits (spec/wallet-daemon.md §11), never a float.
///
/// The chain counts whole base units (`UInt64`, at most `Int64.max` on the wire); the offline
/// ledger keeps decimal strings. One type serves both: exact, as a scaled integer
/// (value × 10¹⁸ in a `UInt128`), with a canonical text (no leading zeros, no trailing
/// fractional zeros) so two spellings of one value store and compare alike.
public struct LedgerAmount: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Fractional digits kept.
    public static let fractionDigits = 18
    /// Integer digits accepted: 10²⁰ − 1 whole units × 10¹⁸ stays far inside `UInt128`, so two
    /// amounts always add without overflow before `maximum` is checked.
    public static let maxIntegerDigits = 20
    /// The rule a text must follow, for error messages.
    public static let rule = "must be a decimal string of digits with at most 18 after the point (e.g. \"12.5\"), no sign or exponent"

    static let scale: UInt128 = {
        var value: UInt128 = 1
        for _ in 0..<fractionDigits { value *= 10 }
        return value
    }()

    /// The largest amount: 10²⁰ − 10⁻¹⁸.
    public static let maximum = LedgerAmount(scaled: {
        var whole: UInt128 = 1
        for _ in 0..<maxIntegerDigits { whole *= 10 }
        return whole * scale - 1
    }())

    /// Zero.
    public static let zero = LedgerAmount(scaled: 0)

    /// Value × 10¹⁸.
    public let scaled: UInt128

    init(scaled: UInt128) { self.scaled = scaled }

    /// `units` whole units (the chain's base units).
    public init(units: UInt64) { scaled = UInt128(units) * Self.scale }

    /// Parses `0`, `12`, `12.5`, `0.000000000000000001`; nil for anything else (signs,
    /// exponents, spaces, leading zeros such as `007`, a bare `.`, more than 18 fractional or
    /// 20 integer digits).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        let dot = bytes.firstIndex(of: UInt8(ascii: "."))
        let integer = bytes[..<(dot ?? bytes.count)]
        let fraction = dot.map { bytes[($0 + 1)...] } ?? []
        guard !integer.isEmpty, integer.count <= Self.maxIntegerDigits, integer.allSatisfy(Self.isDigit),
            integer.count == 1 || integer.first != UInt8(ascii: "0")
        else { return nil }
        if dot != nil { guard !fraction.isEmpty, fraction.count <= Self.fractionDigits, fraction.allSatisfy(Self.isDigit) else { return nil } }
        var whole: UInt128 = 0
        for digit in integer { whole = whole * 10 + UInt128(digit - 0x30) }
        var part: UInt128 = 0
        for digit in fraction { part = part * 10 + UInt128(digit - 0x30) }
        for _ in fraction.count..<Self.fractionDigits { part *= 10 }
        scaled = whole * Self.scale + part
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The whole base units, or nil when the amount has a fractional part or exceeds what a
    /// chain transaction carries (`Int64.max`).
    public var wholeUnits: UInt64? {
        let (whole, remainder) = scaled.quotientAndRemainder(dividingBy: Self.scale)
        guard remainder == 0, whole <= UInt128(Int64.max) else { return nil }
        return UInt64(whole)
    }

    /// The sum, or nil above `maximum`.
    public func adding(_ other: LedgerAmount) -> LedgerAmount? {
        let (sum, overflow) = scaled.addingReportingOverflow(other.scaled)
        guard !overflow, sum <= Self.maximum.scaled else { return nil }
        return LedgerAmount(scaled: sum)
    }

    /// The difference, or nil below zero.
    public func subtracting(_ other: LedgerAmount) -> LedgerAmount? {
        guard scaled >= other.scaled else { return nil }
        return LedgerAmount(scaled: scaled - other.scaled)
    }

    /// The canonical text: `12.5`, `0`, `100`.
    public var description: String {
        let (whole, part) = scaled.quotientAndRemainder(dividingBy: Self.scale)
        guard part != 0 else { return String(whole) }
        var digits = String(part)
        digits = String(repeating: "0", count: Self.fractionDigits - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// Orders by value.
    public static func < (lhs: LedgerAmount, rhs: LedgerAmount) -> Bool { lhs.scaled < rhs.scaled }
}
