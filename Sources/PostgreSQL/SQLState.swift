/// A PostgreSQL SQLSTATE: five characters, the first two naming the class
/// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
///
/// Like SQLite's `ResultCode`, a class code (one ending in `000`) used as a `switch` pattern
/// matches every code of its class: `case .integrityConstraintViolation:` catches `23505`.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The five-character code, e.g. `23505`.
    public let rawValue: String

    /// Wraps a code as the server reports it.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The class: the first two characters followed by `000`, e.g. `23000` for `23505`.
    public var errorClass: SQLState { SQLState(rawValue: String(rawValue.prefix(2)) + "000") }

    /// Whether this is a class code (ends in `000`).
    public var isClass: Bool { rawValue.count == 5 && rawValue.hasSuffix("000") }

    /// Whether running the transaction again may succeed: serialization failure or deadlock.
    public var isRetryable: Bool { self == .serializationFailure || self == .deadlockDetected }

    /// The code itself.
    public var description: String { rawValue }

    /// A class pattern matches every code of its class; any other pattern only itself.
    public static func ~= (pattern: SQLState, code: SQLState) -> Bool {
        pattern.isClass ? pattern == code.errorClass : pattern == code
    }
}

// Codes from the PostgreSQL manual's Appendix A; the ones our services act on.
extension SQLState {
    /// 00000: success.
    public static let successfulCompletion = SQLState(rawValue: "00000")
    /// 08000: connection exception (class).
    public static let connectionException = SQLState(rawValue: "08000")
    /// 08006: the connection failed.
    public static let connectionFailure = SQLState(rawValue: "08006")
    /// 22000: data exception (class).
    public static let dataException = SQLState(rawValue: "22000")
    /// 22001: a string is too long for its column.
    public static let stringDataRightTruncation = SQLState(rawValue: "22001")
    /// 22003: a number does not fit its type.
    public static let numericValueOutOfRange = SQLState(rawValue: "22003")
    /// 22P02: a value's text does not parse as its type (e.g. `'abc'::int`).
    public static let invalidTextRepresentation = SQLState(rawValue: "22P02")
    /// 23000: integrity constraint violation (class).
    public static let integrityConstraintViolation = SQLState(rawValue: "23000")
    /// 23502: NOT NULL violated.
    public static let notNullViolation = SQLState(rawValue: "23502")
    /// 23503: FOREIGN KEY violated.
    public static let foreignKeyViolation = SQLState(rawValue: "23503")
    /// 23505: UNIQUE or PRIMARY KEY violated.
    public static let uniqueViolation = SQLState(rawValue: "23505")
    /// 23514: CHECK violated.
    public static let checkViolation = SQLState(rawValue: "23514")
    /// 25P02: a statement ran in a transaction that an earlier error aborted.
    public static let inFailedSQLTransaction = SQLState(rawValue: "25P02")
    /// 28000: invalid authorization (class).
    public static let invalidAuthorizationSpecification = SQLState(rawValue: "28000")
    /// 28P01: wrong password.
    public static let invalidPassword = SQLState(rawValue: "28P01")
    /// 40000: the transaction was rolled back (class).
    public static let transactionRollback = SQLState(rawValue: "40000")
    /// 40001: serialization failure; run the transaction again.
    public static let serializationFailure = SQLState(rawValue: "40001")
    /// 40P01: deadlock detected; run the transaction again.
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    /// 42000: syntax error or access rule violation (class).
    public static let syntaxErrorOrAccessRuleViolation = SQLState(rawValue: "42000")
    /// 42501: insufficient privilege.
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    /// 42601: syntax error.
    public static let syntaxError = SQLState(rawValue: "42601")
    /// 42703: no such column.
    public static let undefinedColumn = SQLState(rawValue: "42703")
    /// 42P01: no such table.
    public static let undefinedTable = SQLState(rawValue: "42P01")
    /// 42P07: the table already exists.
    public static let duplicateTable = SQLState(rawValue: "42P07")
    /// 53300: the server has no connection slot left.
    public static let tooManyConnections = SQLState(rawValue: "53300")
    /// 55P03: `NOWAIT` / `lock_timeout` could not take a lock.
    public static let lockNotAvailable = SQLState(rawValue: "55P03")
    /// 57014: canceled, e.g. by `statement_timeout`.
    public static let queryCanceled = SQLState(rawValue: "57014")
    /// 57P01: the server terminated the session (shutdown or `pg_terminate_backend`).
    public static let adminShutdown = SQLState(rawValue: "57P01")
    /// 57P03: the server is starting up or shutting down.
    public static let cannotConnectNow = SQLState(rawValue: "57P03")
}
