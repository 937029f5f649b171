/// One result row, copied out of libpq so it outlives the result and can cross threads.
///
/// Reads are checked: a missing column, a NULL read as a non-optional, or a type that does not
/// convert all throw `RowDecodingError`, never trap.
public struct PostgresRow: Sendable, Equatable {
    /// Column names, types and a name lookup, shared by every row of one result.
    final class Columns: Sendable, Equatable {
        let names: [String]
        let types: [PostgresType]
        /// Name → first index. PostgreSQL folds unquoted identifiers to lower case and reports
        /// the folded name, so lookups are exact.
        let indexByName: [String: Int]

        init(names: [String], types: [PostgresType]) {
            self.names = names
            self.types = types
            var index: [String: Int] = [:]
            for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
            self.indexByName = index
        }

        static func == (lhs: Columns, rhs: Columns) -> Bool {
            lhs === rhs || (lhs.names == rhs.names && lhs.types == rhs.types)
        }
    }

    let columns: Columns
    /// The text of each column, nil for NULL.
    let texts: [String?]

    init(columns: Columns, texts: [String?]) {
        self.columns = columns
        self.texts = texts
    }

    /// The column names, in order.
    public var columnNames: [String] { columns.names }

    /// The number of columns.
    public var count: Int { texts.count }

    /// The raw value at `index`.
    /// - Throws: `RowDecodingError` when the index is out of range.
    public func value(at index: Int) throws(RowDecodingError) -> PostgresValue {
        guard texts.indices.contains(index) else {
            throw RowDecodingError(column: "#\(index)", reason: .indexOutOfRange(count: texts.count))
        }
        return PostgresValue(type: columns.types[index], text: texts[index])
    }

    /// The raw value of the column called `name`.
    /// - Throws: `RowDecodingError` when there is no such column.
    public func value(named name: String) throws(RowDecodingError) -> PostgresValue {
        guard let index = columns.indexByName[name] else {
            throw RowDecodingError(column: name, reason: .columnNotFound)
        }
        return PostgresValue(type: columns.types[index], text: texts[index])
    }

    /// Reads column `index` as `T`; use an optional `T` for nullable columns.
    /// - Throws: `RowDecodingError` on a bad index, NULL, type mismatch or out-of-range value.
    public func get<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws(RowDecodingError) -> T {
        let raw = try value(at: index)
        do {
            return try T(postgresValue: raw)
        } catch {
            throw RowDecodingError(column: columns.names[index], reason: error)
        }
    }

    /// Reads the column called `name` as `T`; use an optional `T` for nullable columns.
    /// - Throws: `RowDecodingError` on a missing column, NULL, type mismatch or out-of-range value.
    public func get<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws(RowDecodingError) -> T {
        let raw = try value(named: name)
        do {
            return try T(postgresValue: raw)
        } catch {
            throw RowDecodingError(column: name, reason: error)
        }
    }
}

/// What a statement returned: its rows (possibly none) and the affected-row count.
public struct PostgresResult: Sendable, Equatable {
    /// The rows, in the order the server sent them.
    public let rows: [PostgresRow]
    /// The column names (empty for statements that return no rows).
    public let columnNames: [String]
    /// Rows inserted, updated, deleted, selected… (libpq `PQcmdTuples`); 0 when not applicable.
    public let affectedRows: Int
    /// The command tag, e.g. `INSERT 0 1`, `UPDATE 3`, `COMMIT`.
    public let commandTag: String

    /// The first row, if any.
    public var first: PostgresRow? { rows.first }
}
