/// One SQLite value in one of the five storage classes (https://www.sqlite.org/datatype3.html §2).
public enum SQLiteValue: Sendable, Hashable, CustomStringConvertible {
    /// SQL NULL.
    case null
    /// A signed 64-bit integer.
    case integer(Int64)
    /// An IEEE 754 double.
    case real(Double)
    /// UTF-8 text.
    case text(String)
    /// Raw bytes.
    case blob([UInt8])

    /// The storage class name, as `typeof()` reports it.
    public var storageClass: String {
        switch self {
        case .null: "null"
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        }
    }

    /// Shows the storage class and size only, so values never reach logs.
    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer: "integer"
        case .real: "real"
        case .text(let s): "text(\(s.utf8.count) bytes)"
        case .blob(let b): "blob(\(b.count) bytes)"
        }
    }
}
