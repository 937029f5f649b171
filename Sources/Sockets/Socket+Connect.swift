import Glibc

extension Socket {
    /// Where a non-blocking connect stands after `beginConnect(to:)`.
    public enum ConnectProgress: Sendable, Equatable {
        /// Connected at once (typical for loopback).
        case connected
        /// Wait until the socket is writable, then call `finishConnect()`.
        case inProgress
    }

    /// A new non-blocking, close-on-exec TCP socket for `family`, with `TCP_NODELAY` set.
    /// - Throws: `SocketError` from `socket`.
    public static func tcp(family: SocketAddress.Family) throws(SocketError) -> Socket {
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        let fd = Glibc.socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .fromErrno("socket") }
        let socket = Socket(adopting: SocketDescriptor(rawValue: fd))
        // Requests are written whole; Nagle would hold their tail for the server's delayed ACK.
        socket.descriptor.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        return socket
    }

    /// Starts connecting to `address` without blocking.
    /// - Throws: `SocketError` (call `connect`, the errno) when the kernel refuses at once, e.g. `ECONNREFUSED`.
    public func beginConnect(to address: SocketAddress) throws(SocketError) -> ConnectProgress {
        let fd = rawValue
        if address.withSockAddr({ Glibc.connect(fd, $0, $1) }) == 0 { return .connected }
        let code = errno
        // EINTR: the connect goes on asynchronously (POSIX), exactly like EINPROGRESS.
        guard code == EINPROGRESS || code == EINTR else { throw SocketError(connectErrno: code) }
        return .inProgress
    }

    /// Completes a connect that was `.inProgress` once the socket is writable (or reported an error).
    /// - Throws: `SocketError` (call `connect`) carrying the pending `SO_ERROR`.
    public func finishConnect() throws(SocketError) {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(rawValue, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = errno }
        if code != 0 { throw SocketError(connectErrno: code) }
    }

    /// Connects to `address`, waiting at most `timeout` (blocking the calling thread with `poll`);
    /// the socket stays non-blocking. For tools and tests; event-loop code uses `beginConnect` and epoll.
    /// - Throws: `SocketError`: `connect` with the errno, or `ETIMEDOUT` when the deadline passes.
    public static func connect(to address: SocketAddress, timeout: Duration) throws(SocketError) -> Socket {
        let socket = try tcp(family: address.family)
        if try socket.beginConnect(to: address) == .connected { return socket }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let left = clock.now.duration(to: deadline)
            guard left > .zero else { throw SocketError(call: "connect", errno: ETIMEDOUT, message: "not connected within \(timeout)") }
            let (seconds, attoseconds) = left.components
            let millis = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var poller = pollfd(fd: socket.rawValue, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, millis)
            if ready < 0, errno != EINTR { throw .fromErrno("poll") }
            if ready > 0 {
                try socket.finishConnect()
                return socket
            }
        }
    }
}

extension SocketError {
    /// A connect failure for `code`, with the same wording wherever the connect was started.
    init(connectErrno code: Int32) {
        self.init(call: "connect", errno: code, message: String(cString: strerror(code)))
    }
}
