public import FoundationEssentials

/// A Swift value that can be bound to a statement parameter.
public protocol SQLiteBindable: Sendable {
    /// The value SQLite stores for `self`.
    var sqliteValue: SQLiteValue { get }
}

/// A Swift value that can be read from a column, with a checked conversion.
public protocol SQLiteReadable {
    /// Converts a column value.
    /// - Throws: `RowDecodingError.Reason` when the storage class or range does not fit.
    init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason)
}

/// A value that can be both bound and read.
public typealias SQLiteValueConvertible = SQLiteBindable & SQLiteReadable

extension SQLiteValue: SQLiteValueConvertible {
    /// Itself.
    public var sqliteValue: SQLiteValue { self }
    /// Any value, including NULL.
    public init(sqliteValue: SQLiteValue) { self = sqliteValue }
}

extension Int64: SQLiteValueConvertible {
    /// An integer value.
    public var sqliteValue: SQLiteValue { .integer(self) }
    /// Reads an integer; a real or text column is a type mismatch, never a silent conversion.
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        switch sqliteValue {
        case .integer(let v): self = v
        case .null: throw .unexpectedNull
        default: throw .typeMismatch(expected: "integer", found: sqliteValue.storageClass)
        }
    }
}

extension Int: SQLiteValueConvertible {
    /// An integer value.
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    /// Reads an integer that must fit `Int`.
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        let wide = try Int64(sqliteValue: sqliteValue)
        guard let v = Int(exactly: wide) else { throw .valueOutOfRange(expected: "Int") }
        self = v
    }
}

extension Int32: SQLiteValueConvertible {
    /// An integer value.
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    /// Reads an integer that must fit `Int32`.
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        let wide = try Int64(sqliteValue: sqliteValue)
        guard let v = Int32(exactly: wide) else { throw .valueOutOfRange(expected: "Int32") }
        self = v
    }
}

extension UInt64: SQLiteValueConvertible {
    /// Stored as a signed integer; values above `Int64.max` are stored as their two's-complement
    /// bit pattern so that amounts in base units survive a round trip.
    public var sqliteValue: SQLiteValue { .integer(Int64(bitPattern: self)) }
    /// Reads the bit pattern written by `sqliteValue`.
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        self = UInt64(bitPattern: try Int64(sqliteValue: sqliteValue))
    }
}

extension Double: SQLiteValueConvertible {
    /// A real value.
    public var sqliteValue: SQLiteValue { .real(self) }
    /// Reads a real; an integer is accepted because NUMERIC affinity stores whole numbers as integers.
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        switch sqliteValue {
        case .real(let v): self = v
        case .integer(let v): self = Double(v)
        case .null: throw .unexpectedNull
        default: throw .typeMismatch(expected: "real", found: sqliteValue.storageClass)
        }
    }
}

extension Bool: SQLiteValueConvertible {
    /// Stored as integer 0 or 1, as SQLite itself does for TRUE/FALSE.
    public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
    /// Reads an integer; zero is false, anything else true (SQLite's truth rule).
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        self = try Int64(sqliteValue: sqliteValue) != 0
    }
}

extension String: SQLiteValueConvertible {
    /// A text value.
    public var sqliteValue: SQLiteValue { .text(self) }
    /// Reads text; blobs and numbers are type mismatches.
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        switch sqliteValue {
        case .text(let v): self = v
        case .null: throw .unexpectedNull
        default: throw .typeMismatch(expected: "text", found: sqliteValue.storageClass)
        }
    }
}

extension [UInt8]: SQLiteBindable, SQLiteReadable {
    /// A blob value.
    public var sqliteValue: SQLiteValue { .blob(self) }
    /// Reads a blob; text is a type mismatch.
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        switch sqliteValue {
        case .blob(let v): self = v
        case .null: throw .unexpectedNull
        default: throw .typeMismatch(expected: "blob", found: sqliteValue.storageClass)
        }
    }
}

extension Data: SQLiteValueConvertible {
    /// A blob value.
    public var sqliteValue: SQLiteValue { .blob([UInt8](self)) }
    /// Reads a blob.
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        self = Data(try [UInt8](sqliteValue: sqliteValue))
    }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    /// NULL for `nil`.
    public var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
}

extension Optional: SQLiteReadable where Wrapped: SQLiteReadable {
    /// `nil` for NULL; any other value must convert to `Wrapped`.
    public init(sqliteValue: SQLiteValue) throws(RowDecodingError.Reason) {
        if case .null = sqliteValue {
            self = nil
        } else {
            self = try Wrapped(sqliteValue: sqliteValue)
        }
    }
}
