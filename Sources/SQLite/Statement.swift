internal import CSQLite
import Glibc

/// One prepared statement: owns its `sqlite3_stmt*` and finalizes it in `deinit`
/// (https://www.sqlite.org/c3ref/stmt.html).
///
/// Like its `Connection`, a statement is not `Sendable`: it is used only on the queue that
/// owns the connection. Each `execute`/`query` binds, steps to completion and resets, so a
/// cached statement is always idle between calls.
public final class Statement {
    /// The connection handle. Not owned: connections close with `sqlite3_close_v2`, which
    /// keeps the handle alive until its last statement is finalized, so this never dangles.
    private let db: OpaquePointer
    let handle: OpaquePointer
    /// The SQL text of the statement.
    public let sql: String
    /// Column names shared by the rows of every execution. SQLite re-prepares a statement after
    /// a schema change, and `SELECT *` may then have other columns, so the first row of each
    /// execution checks the names against SQLite's (a byte compare per column) and rebuilds
    /// them only when they differ; building them (strings, lower-cased lookup) was measurable
    /// on hot single-row queries.
    private var columns: Row.Columns?
    /// Whether `columns` was checked against this execution's column names.
    private var columnsChecked = false

    /// Prepares exactly one statement; trailing whitespace and comments are allowed.
    /// - Throws: `SQLiteError` on a syntax error, or `SQLITE_MISUSE` for empty SQL or several statements.
    init(db: OpaquePointer, sql: String, persistent: Bool) throws(SQLiteError) {
        self.db = db
        self.sql = sql
        var stmt: OpaquePointer?
        var trailing = false
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(db, text, -1, flags, &stmt, &tail)
            guard rc == SQLITE_OK, let tail, tail.pointee != 0 else { return rc }
            // The rest must hold no statement: prepare it and see whether SQLite finds one.
            var extra: OpaquePointer?
            let rest = sqlite3_prepare_v2(db, tail, -1, &extra, nil)
            if rest != SQLITE_OK || extra != nil { trailing = true }
            sqlite3_finalize(extra)
            return rc
        }
        guard code == SQLITE_OK else {
            sqlite3_finalize(stmt)
            let code = ResultCode(rawValue: sqlite3_extended_errcode(db))
            throw SQLiteError(code: code, message: Self.message(db), sql: sql)
        }
        guard let stmt else {
            throw SQLiteError(code: .SQLITE_MISUSE, message: "no SQL statement", sql: sql)
        }
        guard !trailing else {
            sqlite3_finalize(stmt)
            throw SQLiteError(
                code: .SQLITE_MISUSE, message: "several statements; use executeScript for scripts", sql: sql)
        }
        self.handle = stmt
    }

    deinit { sqlite3_finalize(handle) }

    /// The number of `?` parameters.
    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    /// Runs the statement to completion with `arguments`, discarding any rows.
    /// - Throws: `SQLiteError` (argument count mismatch is `SQLITE_MISUSE`).
    public func execute(_ arguments: [any SQLiteBindable] = []) throws(SQLiteError) {
        try bind(arguments)
        columnsChecked = false
        defer { reset() }
        while try step() {}
    }

    /// Runs a parameterless statement to completion without binding (transaction control).
    /// - Throws: `SQLiteError`.
    func run() throws(SQLiteError) {
        columnsChecked = false
        defer { reset() }
        while try step() {}
    }

    /// Runs the statement with `arguments` and copies out every row.
    /// - Throws: `SQLiteError`.
    public func query(_ arguments: [any SQLiteBindable] = []) throws(SQLiteError) -> [Row] {
        try bind(arguments)
        columnsChecked = false
        defer { reset() }
        var rows: [Row] = []
        while try step() { rows.append(currentRow()) }
        return rows
    }

    /// Runs the statement with `arguments` and returns its first row, without stepping further.
    /// - Throws: `SQLiteError`.
    public func first(_ arguments: [any SQLiteBindable] = []) throws(SQLiteError) -> Row? {
        try bind(arguments)
        columnsChecked = false
        defer { reset() }
        return try step() ? currentRow() : nil
    }

    /// Runs the statement with `arguments` and hands each row to `body` as it is stepped,
    /// for results too large to copy at once.
    /// - Throws: `SQLiteError`, or what `body` throws.
    public func forEach(_ arguments: [any SQLiteBindable] = [], _ body: (Row) throws -> Void) throws {
        try bind(arguments)
        columnsChecked = false
        defer { reset() }
        while try step() { try body(currentRow()) }
    }

    /// Binds every parameter, checking the count first.
    private func bind(_ arguments: [any SQLiteBindable]) throws(SQLiteError) {
        guard arguments.count == parameterCount else {
            throw SQLiteError(
                code: .SQLITE_MISUSE,
                message: "wrong number of arguments: statement expects \(parameterCount), got \(arguments.count)",
                sql: sql)
        }
        sqlite3_clear_bindings(handle)
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)  // parameter indices are 1-based; count fits Int32 (checked above)
            let rc = bind(argument.sqliteValue, at: index)
            guard rc == SQLITE_OK else { throw error(rc) }
        }
    }

    private func bind(_ value: SQLiteValue, at index: Int32) -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(handle, index)
        case .integer(let v):
            return sqlite3_bind_int64(handle, index, v)
        case .real(let v):
            return sqlite3_bind_double(handle, index, v)
        case .text(let s):
            var s = s
            return s.withUTF8 { utf8 in
                // A NULL pointer would bind SQL NULL, so the empty string gets a real pointer.
                guard let base = utf8.baseAddress, !utf8.isEmpty else {
                    return sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
                }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
                    sqlite3_bind_text64(
                        handle, index, chars, UInt64(utf8.count), csqlite_transient(), UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let bytes):
            return bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress, !raw.isEmpty else {
                    return sqlite3_bind_zeroblob(handle, index, 0)
                }
                return sqlite3_bind_blob64(handle, index, base, UInt64(raw.count), csqlite_transient())
            }
        }
    }

    /// Steps once: `true` when a row is available, `false` when done.
    private func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw error(rc)
        }
    }

    /// Resets for the next use; errors were already reported by `step`.
    private func reset() {
        sqlite3_reset(handle)
    }

    private func currentRow() -> Row {
        let count = sqlite3_column_count(handle)
        let columns: Row.Columns
        if let cached = self.columns, columnsChecked || hasColumns(cached.names, count: count) {
            columns = cached
        } else {
            columns = Row.Columns(names: (0..<count).map { i in
                sqlite3_column_name(handle, i).map { String(cString: $0) } ?? ""
            })
            self.columns = columns
        }
        columnsChecked = true
        var values: [SQLiteValue] = []
        values.reserveCapacity(Int(count))
        for i in 0..<count { values.append(columnValue(i)) }
        return Row(columns: columns, values: values)
    }

    /// Whether the statement's current column names are exactly `names`.
    private func hasColumns(_ names: [String], count: Int32) -> Bool {
        guard names.count == Int(count) else { return false }
        for (i, name) in names.enumerated() {
            // A missing name (out of memory) was cached as ""; treat it as a mismatch to retry.
            guard let current = sqlite3_column_name(handle, Int32(i)) else { return false }
            let same = name.withCString { strcmp($0, current) == 0 }
            if !same { return false }
        }
        return true
    }

    private func columnValue(_ i: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            // Pointer first, then length: the documented safe order (c3ref/column_blob.html).
            guard let text = sqlite3_column_text(handle, i) else { return .text("") }
            let length = Int(sqlite3_column_bytes(handle, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            guard let blob = sqlite3_column_blob(handle, i) else { return .blob([]) }
            let length = Int(sqlite3_column_bytes(handle, i))
            return .blob(Array(UnsafeRawBufferPointer(start: blob, count: length)))
        default:
            return .null
        }
    }

    private func error(_ rc: Int32) -> SQLiteError {
        // With extended codes on, sqlite3_step returns the extended code itself.
        SQLiteError(code: ResultCode(rawValue: rc), message: Self.message(db), sql: sql)
    }

    static func message(_ db: OpaquePointer) -> String {
        sqlite3_errmsg(db).map { String(cString: $0) } ?? "unknown error"
    }
}
