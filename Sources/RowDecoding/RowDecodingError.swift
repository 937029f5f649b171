/// A column could not be read as the requested type: one error for both SQL modules (SQLite,
/// PostgreSQL), so a store written against either handles the same failures.
public struct RowDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why a column value could not be converted.
    public enum Reason: Error, Sendable, Equatable {
        /// No column has that name.
        case columnNotFound
        /// The index is outside `0..<count`.
        case indexOutOfRange(count: Int)
        /// The column is NULL and the requested type is not optional.
        case unexpectedNull
        /// The stored type (SQLite's storage class, PostgreSQL's column type) does not convert to the requested type.
        case typeMismatch(expected: String, found: String)
        /// The value is the right class but does not fit the requested type.
        case valueOutOfRange(expected: String)
    }

    /// The column name, or `#<index>` when read by index.
    public let column: String
    /// What went wrong.
    public let reason: Reason

    /// Creates an error for a column.
    public init(column: String, reason: Reason) {
        self.column = column
        self.reason = reason
    }

    /// Names the column and reason, never the value.
    public var description: String {
        switch reason {
        case .columnNotFound: "no column named \(column)"
        case .indexOutOfRange(let count): "column \(column) out of range (row has \(count) columns)"
        case .unexpectedNull: "column \(column) is NULL"
        case .typeMismatch(let expected, let found): "column \(column): expected \(expected), found \(found)"
        case .valueOutOfRange(let expected): "column \(column): value does not fit \(expected)"
        }
    }
}
