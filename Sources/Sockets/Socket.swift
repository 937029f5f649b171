import Glibc
import Synchronization

/// A socket descriptor with exactly one owner: closed once, by `close()` or when the owner is released.
///
/// A final class rather than a `~Copyable` struct: the server connection, the client socket, the
/// epoll registration and a deadline firing on another thread all reach the same descriptor by
/// reference, and a noncopyable value cannot be shared that way, sit in the arrays and `Sendable`
/// captures that need it, or be closed from a stored property without being moved out. One
/// allocation per connection (not per request) buys that. The atomic flag makes a second `close()`
/// a no-op instead of closing whatever descriptor the kernel handed out under the same number since.
public final class Socket: Sendable {
    /// The owned descriptor; valid until `close()`.
    public let descriptor: SocketDescriptor
    private let closed = Atomic<Bool>(false)

    /// Takes ownership of an open descriptor; nobody else may close it.
    public init(adopting descriptor: SocketDescriptor) {
        self.descriptor = descriptor
    }

    deinit { close() }

    /// The raw descriptor number (an epoll key); meaningless once closed.
    public var rawValue: Int32 { descriptor.rawValue }

    /// Whether `close()` has run.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Closes the descriptor the first time; later calls do nothing.
    /// - Returns: `true` when this call closed it.
    @discardableResult
    public func close() -> Bool {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        _ = Glibc.close(descriptor.rawValue)
        return true
    }

    /// A connected pair of non-blocking Unix stream sockets (tests and in-process plumbing).
    /// - Throws: `SocketError` from `socketpair`.
    public static func pair() throws(SocketError) -> (Socket, Socket) {
        var fds: [Int32] = [-1, -1]
        let result = fds.withUnsafeMutableBufferPointer {
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, $0.baseAddress)
        }
        guard result == 0 else { throw .fromErrno("socketpair") }
        return (Socket(adopting: SocketDescriptor(rawValue: fds[0])), Socket(adopting: SocketDescriptor(rawValue: fds[1])))
    }
}
