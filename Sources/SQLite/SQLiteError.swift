/// An error reported by SQLite: the extended result code, SQLite's message and the SQL
/// that failed.
///
/// Bound argument values are never stored, so logging an error cannot leak them.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (extended codes are enabled on every connection).
    public let extendedResultCode: ResultCode
    /// SQLite's error message (`sqlite3_errmsg`) or ours for misuse detected before SQLite.
    public let message: String
    /// The SQL statement that failed, when there was one.
    public let sql: String?

    /// The primary result code, e.g. `SQLITE_CONSTRAINT` for `SQLITE_CONSTRAINT_UNIQUE`.
    public var resultCode: ResultCode { extendedResultCode.primaryResultCode }

    /// Creates an error; `code` may be primary or extended.
    public init(code: ResultCode, message: String, sql: String? = nil) {
        self.extendedResultCode = code
        self.message = message
        self.sql = sql
    }

    /// "SQLite error 2067 (UNIQUE constraint failed: t.x) while executing `INSERT …`".
    public var description: String {
        var text = "SQLite error \(extendedResultCode.rawValue): \(message)"
        if let sql { text += " - while executing `\(sql)`" }
        return text
    }
}
