/// A parsed JSON value that keeps what generic JSON libraries blur.
///
/// There is deliberately no `nil` literal for `null`: with one, `nil` inside closures that
/// return `JSONValue?` would silently mean `.null` instead of "no value". Write `.null`.
///
/// * Integer literals stay exact (`JSONInteger`, arbitrary precision); literals with
///   `.`, `e` or `E` are floats (`Double`). `1` and `1.0` stay different values.
/// * Strings keep their Unicode scalars exactly as parsed; nothing is normalized.
/// * Objects are ordered member lists; keys are compared by Unicode scalars, never with
///   `String ==` (which uses canonical equivalence and would merge `"é"` and `"e\u{301}"`).
public enum JSONValue: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer literal, kept exactly.
    case integer(JSONInteger)
    /// A float literal rounded to the nearest binary64 value; always finite when parsed.
    case float(Double)
    /// A string, scalars exactly as parsed.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object: members in input order.
    case object([JSONMember])
}

extension JSONValue {
    /// The value of the first member named `key` (exact scalar comparison), or nil when this
    /// is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key.hasSameUTF8(as: key) }?.value
    }

    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, when this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The exact integer, when this is an integer literal.
    public var integerValue: JSONInteger? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The integer as `Int64`, when this is an integer literal that fits.
    public var int64Value: Int64? { integerValue?.int64Value }

    /// The numeric value as a `Double` (integers converted, possibly rounding), when this is a number.
    public var doubleValue: Double? {
        switch self {
        case .float(let value): return value
        case .integer(let value): return Double(value.digits)
        default: return nil
        }
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, when this is an object.
    public var objectValue: [JSONMember]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Whether this is a number (integer or float).
    public var isNumber: Bool {
        switch self {
        case .integer, .float: return true
        default: return false
        }
    }
}

extension JSONValue: Equatable {
    /// Structural equality: strings and keys by exact scalars, object members in order,
    /// `1` (integer) different from `1.0` (float).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b
        case (.string(let a), .string(let b)): return a.hasSameUTF8(as: b)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer literal becomes an exact integer.
    public init(integerLiteral value: Int) { self = .integer(JSONInteger(value)) }
    /// A float literal becomes a float (even `1.0`).
    public init(floatLiteral value: Double) { self = .float(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A dictionary literal keeps its pairs in order, duplicates included.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { JSONMember(key: $0.0, value: $0.1) })
    }
}
