/// One result row, copied out of SQLite so it outlives its statement and can cross queues.
///
/// Reads are checked: a missing column, a NULL read as a non-optional, or a storage class
/// that does not convert all throw `RowDecodingError`, never trap.
public struct Row: Sendable, Equatable {
    /// The column names and a name lookup, shared by every row of one result.
    final class Columns: Sendable, Equatable {
        let names: [String]
        /// Lower-cased name → first index; SQLite identifiers are case-insensitive.
        let indexByName: [String: Int]

        init(names: [String]) {
            self.names = names
            var index: [String: Int] = [:]
            for (i, name) in names.enumerated() where index[name.lowercased()] == nil {
                index[name.lowercased()] = i
            }
            self.indexByName = index
        }

        static func == (lhs: Columns, rhs: Columns) -> Bool { lhs === rhs || lhs.names == rhs.names }
    }

    let columns: Columns
    /// The values, in column order.
    public let values: [SQLiteValue]

    init(columns: Columns, values: [SQLiteValue]) {
        self.columns = columns
        self.values = values
    }

    /// Builds a row from names and values (for tests and fixtures).
    public init(columnNames: [String], values: [SQLiteValue]) {
        precondition(columnNames.count == values.count, "one name per value")
        self.init(columns: Columns(names: columnNames), values: values)
    }

    /// The column names, in order.
    public var columnNames: [String] { columns.names }

    /// The number of columns.
    public var count: Int { values.count }

    /// The raw value at `index`.
    /// - Throws: `RowDecodingError` when the index is out of range.
    public func value(at index: Int) throws(RowDecodingError) -> SQLiteValue {
        guard values.indices.contains(index) else {
            throw RowDecodingError(column: "#\(index)", reason: .indexOutOfRange(count: values.count))
        }
        return values[index]
    }

    /// The raw value of the column called `name` (case-insensitive).
    /// - Throws: `RowDecodingError` when there is no such column.
    public func value(named name: String) throws(RowDecodingError) -> SQLiteValue {
        guard let index = columns.indexByName[name.lowercased()] else {
            throw RowDecodingError(column: name, reason: .columnNotFound)
        }
        return values[index]
    }

    /// Reads column `index` as `T`; use an optional `T` for nullable columns.
    /// - Throws: `RowDecodingError` on a bad index, NULL, type mismatch or out-of-range value.
    public func get<T: SQLiteReadable>(_ index: Int, as type: T.Type = T.self) throws(RowDecodingError) -> T {
        let raw = try value(at: index)
        do {
            return try T(sqliteValue: raw)
        } catch {
            let name = columns.names.indices.contains(index) ? columns.names[index] : "#\(index)"
            throw RowDecodingError(column: name, reason: error)
        }
    }

    /// Reads the column called `name` as `T`; use an optional `T` for nullable columns.
    /// - Throws: `RowDecodingError` on a missing column, NULL, type mismatch or out-of-range value.
    public func get<T: SQLiteReadable>(_ name: String, as type: T.Type = T.self) throws(RowDecodingError) -> T {
        let raw = try value(named: name)
        do {
            return try T(sqliteValue: raw)
        } catch {
            throw RowDecodingError(column: name, reason: error)
        }
    }
}
