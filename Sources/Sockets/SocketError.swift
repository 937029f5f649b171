import Glibc

/// A failed socket system call, with the call, `errno` and its text (for operators, never user input).
public struct SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call or step that failed, e.g. `bind`.
    public var call: String
    /// The `errno` value (0 when the failure is not a system error).
    public var errno: Int32
    /// `strerror(errno)` or a short explanation.
    public var message: String

    /// An error for `call` from the current `errno`.
    public static func fromErrno(_ call: String) -> SocketError {
        let code = Glibc.errno
        return SocketError(call: call, errno: code, message: String(cString: strerror(code)))
    }

    /// An error that is not a system error, e.g. an unparsable address.
    public init(call: String, errno: Int32 = 0, message: String) {
        self.call = call
        self.errno = errno
        self.message = message
    }

    /// What kind of failure this is, for callers that react differently (retry, drop, report).
    public enum Kind: Sendable, Equatable {
        /// `ECONNREFUSED`: nothing listens at the address.
        case refused
        /// `ETIMEDOUT`: a deadline passed (a connect that never completed).
        case timedOut
        /// `EPIPE`: the peer closed and a write found out.
        case brokenPipe
        /// `ECONNRESET`: the peer reset the connection.
        case reset
        /// Anything else.
        case other
    }

    /// The kind of failure, from `errno`.
    public var kind: Kind {
        switch errno {
        case ECONNREFUSED: .refused
        case ETIMEDOUT: .timedOut
        case EPIPE: .brokenPipe
        case ECONNRESET: .reset
        default: .other
        }
    }

    /// Whether the peer is gone (`EPIPE`, `ECONNRESET`): nothing more can be sent on this connection.
    public var isPeerGone: Bool { kind == .brokenPipe || kind == .reset }

    /// `call: message (errno N)`.
    public var description: String { "\(call): \(message) (errno \(errno))" }
}
