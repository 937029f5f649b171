/// An error from the PostgreSQL module: what failed, the server's SQLSTATE and message when the
/// server sent one, and the SQL that failed.
///
/// Bound argument values are never stored, and the server's DETAIL (which quotes row values,
/// e.g. `Key (email)=(…) already exists`) is kept out of `description`, so logging an error
/// cannot leak data. Connection errors never contain the password.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: Sendable, Equatable {
        /// The configuration URL could not be parsed.
        case invalidConfiguration
        /// Connecting or authenticating failed (refused, timed out, wrong password, no database).
        case connectionFailed
        /// The connection broke during a statement; it cannot be used again.
        case connectionLost
        /// The connection was closed by this process.
        case connectionClosed
        /// The server rejected a statement; `sqlState` says why.
        case server
        /// A parameter cannot be sent (e.g. a string containing NUL), or there are too many.
        case invalidArgument
        /// The server answered in a way this module does not handle (e.g. COPY).
        case unexpectedResponse
        /// No pooled connection became free within the pool's acquire timeout.
        case poolTimeout
        /// The pool was closed.
        case poolClosed
    }

    /// What failed.
    public let kind: Kind
    /// The server's SQLSTATE, when the server reported the error.
    public let sqlState: SQLState?
    /// The server's primary message, or ours (libpq's for connection errors).
    public let message: String
    /// The server's DETAIL line; it may quote row values, so it is not in `description`.
    public let detail: String?
    /// The constraint the error is about (unique, foreign key, check), when the server names one.
    public let constraint: String?
    /// The SQL that failed, when there was one.
    public let sql: String?

    /// Creates an error.
    public init(
        kind: Kind, sqlState: SQLState? = nil, message: String, detail: String? = nil, constraint: String? = nil,
        sql: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
        self.sql = sql
    }

    /// Whether the transaction may succeed when run again (SQLSTATE 40001 or 40P01).
    public var isRetryable: Bool { sqlState?.isRetryable ?? false }

    /// "PostgreSQL error 23505: duplicate key value violates unique constraint "t_x_key" - while
    /// executing `INSERT …`"; never argument values or DETAIL.
    public var description: String {
        var text: String
        switch kind {
        case .server: text = "PostgreSQL error \(sqlState?.rawValue ?? "?????"): \(message)"
        case .invalidConfiguration: text = "invalid PostgreSQL configuration: \(message)"
        case .connectionFailed: text = "PostgreSQL connection failed: \(message)"
        case .connectionLost: text = "PostgreSQL connection lost\(sqlState.map { " (\($0))" } ?? ""): \(message)"
        case .connectionClosed: text = "PostgreSQL connection closed: \(message)"
        case .invalidArgument: text = "invalid PostgreSQL argument: \(message)"
        case .unexpectedResponse: text = "unexpected PostgreSQL response: \(message)"
        case .poolTimeout, .poolClosed: text = "PostgreSQL pool: \(message)"
        }
        if let sql { text += " - while executing `\(sql)`" }
        return text
    }
}
