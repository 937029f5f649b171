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

    /// `call: message (errno N)`.
    public var description: String { "\(call): \(message) (errno \(errno))" }
}
