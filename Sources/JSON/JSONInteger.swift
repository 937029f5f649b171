/// An exact JSON integer of any size, kept as its canonical decimal text.
///
/// Canonical means: an optional `-`, then digits without leading zeros; zero is `0`
/// (the JSON literal `-0` is the integer 0).
public struct JSONInteger: Sendable, Hashable, CustomStringConvertible {
    /// The canonical decimal text, e.g. `12345678901234567890` or `-42`.
    public let digits: String

    /// Creates an integer from a machine integer.
    public init(_ value: some BinaryInteger) {
        digits = String(value)
    }

    /// Creates an integer from decimal text; nil unless it matches `-?(0|[1-9][0-9]*)`.
    /// `-0` is accepted and becomes `0`.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard JSONInteger.isIntegerLiteral(bytes[...]) else { return nil }
        digits = bytes == [UInt8(ascii: "-"), UInt8(ascii: "0")] ? "0" : String(text)
    }

    /// Wraps text the parser has already checked against the JSON integer grammar.
    init(validatedLiteral bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.count == 2 && bytes[0] == UInt8(ascii: "-") && bytes[1] == UInt8(ascii: "0") {
            digits = "0"
        } else {
            digits = String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Whether the value is below zero.
    public var isNegative: Bool { digits.utf8.first == UInt8(ascii: "-") }

    /// The value as `Int64`, or nil when it does not fit.
    public var int64Value: Int64? { Int64(digits) }

    /// The value as `UInt64`, or nil when it is negative or does not fit.
    public var uint64Value: UInt64? { UInt64(digits) }

    /// The value as `Int`, or nil when it does not fit.
    public var intValue: Int? { Int(digits) }

    /// The canonical decimal text.
    public var description: String { digits }

    /// RFC 8259 §6 `int` production with an optional minus: `-?(0|[1-9][0-9]*)`.
    static func isIntegerLiteral(_ bytes: ArraySlice<UInt8>) -> Bool {
        var rest = bytes
        if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
        guard let first = rest.first, JSONInteger.isDigit(first) else { return false }
        if first == UInt8(ascii: "0") { return rest.count == 1 }
        return rest.allSatisfy(JSONInteger.isDigit)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
