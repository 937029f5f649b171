/// A Swift value that can be sent as a statement parameter (`$1…$n`).
public protocol PostgresBindable: Sendable {
    /// The parameter's type and text form.
    var postgresValue: PostgresValue { get }
}

/// A Swift value that can be read from a result column, with a checked conversion.
public protocol PostgresDecodable {
    /// Converts a column value.
    /// - Throws: `RowDecodingError.Reason` when the type or text does not fit.
    init(postgresValue: PostgresValue) throws(RowDecodingError.Reason)
}

/// A value that can be both sent and read.
public typealias PostgresValueConvertible = PostgresBindable & PostgresDecodable

extension PostgresValue: PostgresValueConvertible {
    /// Itself.
    public var postgresValue: PostgresValue { self }
    /// Any value, including NULL.
    public init(postgresValue: PostgresValue) { self = postgresValue }
}

extension PostgresValue {
    /// The text of a non-NULL value.
    func requireText() throws(RowDecodingError.Reason) -> String {
        guard let text else { throw .unexpectedNull }
        return text
    }
}

extension Int64: PostgresValueConvertible {
    /// An `int8` parameter.
    public var postgresValue: PostgresValue { PostgresValue(type: .int8, text: String(self)) }
    /// Reads an integer column, or a `numeric` one holding a whole number that fits
    /// (`sum(bigint)` is numeric); floats and text are type mismatches, never silent conversions.
    public init(postgresValue: PostgresValue) throws(RowDecodingError.Reason) {
        let text = try postgresValue.requireText()
        guard postgresValue.type.isInteger || postgresValue.type == .numeric else {
            throw .typeMismatch(expected: "integer", found: postgresValue.type.description)
        }
        guard let value = Int64(text) else { throw .valueOutOfRange(expected: "Int64") }
        self = value
    }
}

extension Int: PostgresValueConvertible {
    /// An `int8` parameter.
    public var postgresValue: PostgresValue { Int64(self).postgresValue }
    /// Reads an integer that must fit `Int`.
    public init(postgresValue: PostgresValue) throws(RowDecodingError.Reason) {
        guard let value = Int(exactly: try Int64(postgresValue: postgresValue)) else { throw .valueOutOfRange(expected: "Int") }
        self = value
    }
}

extension Int32: PostgresValueConvertible {
    /// An `int4` parameter.
    public var postgresValue: PostgresValue { PostgresValue(type: .int4, text: String(self)) }
    /// Reads an integer that must fit `Int32`.
    public init(postgresValue: PostgresValue) throws(RowDecodingError.Reason) {
        guard let value = Int32(exactly: try Int64(postgresValue: postgresValue)) else { throw .valueOutOfRange(expected: "Int32") }
        self = value
    }
}

extension Double: PostgresValueConvertible {
    /// A `float8` parameter; infinities and NaN in the spelling PostgreSQL reads.
    public var postgresValue: PostgresValue {
        let text: String =
            if isNaN { "NaN" } else if self == .infinity { "Infinity" } else if self == -.infinity { "-Infinity" } else { String(self) }
        return PostgresValue(type: .float8, text: text)
    }
    /// Reads a `float4`, `float8`, `numeric` or integer column.
    public init(postgresValue: PostgresValue) throws(RowDecodingError.Reason) {
        let text = try postgresValue.requireText()
        let type = postgresValue.type
        guard type == .float8 || type == .float4 || type == .numeric || type.isInteger else {
            throw .typeMismatch(expected: "floating point", found: type.description)
        }
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text) else { throw .valueOutOfRange(expected: "Double") }
            self = value
        }
    }
}

extension Bool: PostgresValueConvertible {
    /// A `bool` parameter.
    public var postgresValue: PostgresValue { PostgresValue(type: .bool, text: self ? "t" : "f") }
    /// Reads a `bool` column (`t` / `f` in text format).
    public init(postgresValue: PostgresValue) throws(RowDecodingError.Reason) {
        let text = try postgresValue.requireText()
        guard postgresValue.type == .bool else { throw .typeMismatch(expected: "bool", found: postgresValue.type.description) }
        switch text {
        case "t": self = true
        case "f": self = false
        default: throw .valueOutOfRange(expected: "Bool")
        }
    }
}

extension String: PostgresValueConvertible {
    /// A parameter whose type the server infers, so it fits text, varchar, jsonb, uuid,
    /// timestamptz… columns. PostgreSQL text cannot hold NUL; such a string is refused when sent.
    public var postgresValue: PostgresValue { PostgresValue(type: .unspecified, text: self) }
    /// Reads any non-NULL column in its text form (text, json, uuid, timestamptz, numeric…).
    public init(postgresValue: PostgresValue) throws(RowDecodingError.Reason) {
        self = try postgresValue.requireText()
    }
}

extension [UInt8]: PostgresBindable, PostgresDecodable {
    /// A `bytea` parameter in hex format (`\x0102…`).
    public var postgresValue: PostgresValue {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        text.reserveCapacity(2 + count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return PostgresValue(type: .bytea, text: String(decoding: text, as: UTF8.self))
    }
    /// Reads a `bytea` column in hex output format (the server default since 9.0).
    public init(postgresValue: PostgresValue) throws(RowDecodingError.Reason) {
        let text = try postgresValue.requireText()
        guard postgresValue.type == .bytea else { throw .typeMismatch(expected: "bytea", found: postgresValue.type.description) }
        var utf8 = text.utf8[...]
        guard utf8.popFirst() == UInt8(ascii: "\\"), utf8.popFirst() == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw .valueOutOfRange(expected: "bytea in hex format")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        while let high = utf8.popFirst(), let low = utf8.popFirst() {
            guard let h = PostgresConfiguration.hexValue(high), let l = PostgresConfiguration.hexValue(low) else {
                throw .valueOutOfRange(expected: "bytea in hex format")
            }
            bytes.append(h << 4 | l)
        }
        self = bytes
    }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    /// NULL for `nil`.
    public var postgresValue: PostgresValue { self?.postgresValue ?? .null }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    /// `nil` for NULL; any other value must convert to `Wrapped`.
    public init(postgresValue: PostgresValue) throws(RowDecodingError.Reason) {
        if postgresValue.text == nil {
            self = nil
        } else {
            self = try Wrapped(postgresValue: postgresValue)
        }
    }
}
