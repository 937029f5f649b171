internal import CSQLite

/// An SQLite result code, primary or extended (https://www.sqlite.org/rescode.html).
///
/// As in GRDB, a primary code used as a `switch` pattern matches every extended code
/// derived from it: `case .SQLITE_CONSTRAINT:` catches `SQLITE_CONSTRAINT_UNIQUE`.
public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric code as SQLite reports it.
    public let rawValue: Int32

    /// Wraps a numeric SQLite result code.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code: the low 8 bits of an extended code
    /// (rescode.html, "Primary Result Codes versus Extended Result Codes").
    public var primaryResultCode: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

    /// Whether this code is a primary code (no extended bits set).
    public var isPrimary: Bool { rawValue & ~0xFF == 0 }

    /// SQLite's English text for the code, e.g. "constraint failed".
    public var description: String {
        guard let text = sqlite3_errstr(rawValue) else { return "SQLite code \(rawValue)" }
        return "\(rawValue) (\(String(cString: text)))"
    }

    /// Matches a primary pattern against any extended code derived from it; an extended
    /// pattern matches only itself.
    public static func ~= (pattern: ResultCode, code: ResultCode) -> Bool {
        pattern.isPrimary ? pattern == code.primaryResultCode : pattern == code
    }
}

// Values copied from sqlite3.h: the extended codes are function-like macros Swift cannot import.
extension ResultCode {
    /// Successful result.
    public static let SQLITE_OK = ResultCode(rawValue: 0)
    /// Generic error.
    public static let SQLITE_ERROR = ResultCode(rawValue: 1)
    /// Internal logic error in SQLite.
    public static let SQLITE_INTERNAL = ResultCode(rawValue: 2)
    /// Access permission denied.
    public static let SQLITE_PERM = ResultCode(rawValue: 3)
    /// Callback routine requested an abort.
    public static let SQLITE_ABORT = ResultCode(rawValue: 4)
    /// The database file is locked by another connection.
    public static let SQLITE_BUSY = ResultCode(rawValue: 5)
    /// A table in the database is locked (shared cache).
    public static let SQLITE_LOCKED = ResultCode(rawValue: 6)
    /// A malloc() failed.
    public static let SQLITE_NOMEM = ResultCode(rawValue: 7)
    /// Attempt to write a read-only database.
    public static let SQLITE_READONLY = ResultCode(rawValue: 8)
    /// Operation terminated by sqlite3_interrupt().
    public static let SQLITE_INTERRUPT = ResultCode(rawValue: 9)
    /// Some kind of disk I/O error occurred.
    public static let SQLITE_IOERR = ResultCode(rawValue: 10)
    /// The database disk image is malformed.
    public static let SQLITE_CORRUPT = ResultCode(rawValue: 11)
    /// Insertion failed because the database is full.
    public static let SQLITE_FULL = ResultCode(rawValue: 13)
    /// Unable to open the database file.
    public static let SQLITE_CANTOPEN = ResultCode(rawValue: 14)
    /// Database lock protocol error.
    public static let SQLITE_PROTOCOL = ResultCode(rawValue: 15)
    /// The database schema changed.
    public static let SQLITE_SCHEMA = ResultCode(rawValue: 17)
    /// String or BLOB exceeds size limit.
    public static let SQLITE_TOOBIG = ResultCode(rawValue: 18)
    /// Abort due to constraint violation.
    public static let SQLITE_CONSTRAINT = ResultCode(rawValue: 19)
    /// Data type mismatch.
    public static let SQLITE_MISMATCH = ResultCode(rawValue: 20)
    /// Library used incorrectly (also: wrong argument count, several statements where one was expected).
    public static let SQLITE_MISUSE = ResultCode(rawValue: 21)
    /// Bind parameter index out of range.
    public static let SQLITE_RANGE = ResultCode(rawValue: 25)
    /// File opened that is not a database file.
    public static let SQLITE_NOTADB = ResultCode(rawValue: 26)

    /// A WAL read transaction's snapshot is stale and cannot be upgraded to a write.
    public static let SQLITE_BUSY_SNAPSHOT = ResultCode(rawValue: 5 | (2 << 8))
    /// CHECK constraint failed.
    public static let SQLITE_CONSTRAINT_CHECK = ResultCode(rawValue: 19 | (1 << 8))
    /// FOREIGN KEY constraint failed.
    public static let SQLITE_CONSTRAINT_FOREIGNKEY = ResultCode(rawValue: 19 | (3 << 8))
    /// NOT NULL constraint failed.
    public static let SQLITE_CONSTRAINT_NOTNULL = ResultCode(rawValue: 19 | (5 << 8))
    /// PRIMARY KEY constraint failed.
    public static let SQLITE_CONSTRAINT_PRIMARYKEY = ResultCode(rawValue: 19 | (6 << 8))
    /// RAISE() in a trigger.
    public static let SQLITE_CONSTRAINT_TRIGGER = ResultCode(rawValue: 19 | (7 << 8))
    /// UNIQUE constraint failed.
    public static let SQLITE_CONSTRAINT_UNIQUE = ResultCode(rawValue: 19 | (8 << 8))
}
