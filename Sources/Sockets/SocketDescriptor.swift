import CLinuxShims
import Glibc

/// A socket file descriptor with the few operations the HTTP stack needs.
///
/// A plain value: whoever opened it closes it exactly once (the connection or listener that owns it).
public struct SocketDescriptor: Sendable, Hashable {
    /// The raw descriptor.
    public let rawValue: Int32

    /// Wraps an open descriptor.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The outcome of a non-blocking read or write.
    public enum IOResult: Sendable, Equatable {
        /// This many bytes moved (more than zero).
        case bytes(Int)
        /// The kernel buffer is empty (read) or full (write): wait for epoll.
        case wouldBlock
        /// The peer closed its side (read only).
        case endOfFile
    }

    /// Opens a non-blocking listening TCP socket with `SO_REUSEADDR`.
    /// - Throws: `SocketError` naming the failed call.
    public static func listen(on address: SocketAddress, backlog: Int32 = 1024) throws(SocketError) -> SocketDescriptor {
        let domain = address.family == .ipv4 ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .fromErrno("socket") }
        let descriptor = SocketDescriptor(rawValue: fd)
        descriptor.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
        if address.family == .ipv6 { descriptor.setOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
        let bound = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = SocketError.fromErrno("bind \(address)")
            descriptor.close()
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SocketError.fromErrno("listen")
            descriptor.close()
            throw error
        }
        return descriptor
    }

    /// Opens a TCP connection, blocking until connected (for clients and tests); the result is blocking unless `nonBlocking`.
    /// - Throws: `SocketError` naming the failed call.
    public static func connect(to address: SocketAddress, nonBlocking: Bool = false) throws(SocketError) -> SocketDescriptor {
        let domain = address.family == .ipv4 ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .fromErrno("socket") }
        let descriptor = SocketDescriptor(rawValue: fd)
        let result = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        guard result == 0 else {
            let error = SocketError.fromErrno("connect \(address)")
            descriptor.close()
            throw error
        }
        descriptor.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        if nonBlocking { try descriptor.setNonBlocking() }
        return descriptor
    }

    /// Accepts one pending connection as a non-blocking descriptor; `nil` when none is pending.
    /// - Throws: `SocketError` for failures other than "try again" and a connection aborted before accept.
    public func accept() throws(SocketError) -> (SocketDescriptor, SocketAddress?)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                clinux_accept4(rawValue, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        guard fd >= 0 else {
            switch errno {
            case EAGAIN, EWOULDBLOCK, ECONNABORTED, EINTR, EPROTO: return nil
            default: throw .fromErrno("accept4")
            }
        }
        let descriptor = SocketDescriptor(rawValue: fd)
        // Small responses must leave at once; Nagle would hold them for the peer's delayed ACK.
        descriptor.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        return (descriptor, SocketAddress(storage: storage))
    }

    /// The bound local address (e.g. to learn an ephemeral port).
    /// - Throws: `SocketError` from `getsockname`.
    public func localAddress() throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(rawValue, $0, &length) }
        }
        guard result == 0 else { throw .fromErrno("getsockname") }
        guard let address = SocketAddress(storage: storage) else {
            throw SocketError(call: "getsockname", message: "unsupported address family")
        }
        return address
    }

    /// Reads into `buffer`.
    /// - Throws: `SocketError` for a reset or other failure.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> IOResult {
        while true {
            let count = Glibc.read(rawValue, buffer.baseAddress, buffer.count)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .endOfFile }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw .fromErrno("read")
            }
        }
    }

    /// Writes as much of `bytes` as the kernel takes now.
    /// - Throws: `SocketError` when the peer is gone.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SocketError) -> IOResult {
        guard bytes.count > 0 else { return .bytes(0) }
        while true {
            // MSG_NOSIGNAL: a closed peer must give EPIPE, not kill the process with SIGPIPE.
            let count = send(rawValue, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .bytes(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw .fromErrno("send")
            }
        }
    }

    /// Blocking helper for clients and tests: writes every byte.
    /// - Throws: `SocketError` when the peer is gone.
    public func writeAll(_ bytes: [UInt8]) throws(SocketError) {
        var buffer = OutboundBuffer()
        buffer.append(bytes)
        while try !buffer.flush(to: self).isComplete {
            var poller = pollfd(fd: rawValue, events: Int16(POLLOUT), revents: 0)
            _ = poll(&poller, 1, 1000)
        }
    }

    /// Blocking helper for clients and tests: reads up to `max` bytes; empty at end of stream.
    /// - Throws: `SocketError` for a reset.
    public func readSome(max: Int = 65_536) throws(SocketError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max)
        while true {
            let outcome = bytes.withUnsafeMutableBytes { raw in Result { () throws(SocketError) in try read(into: raw) } }
            switch try outcome.get() {
            case .bytes(let count): return Array(bytes[0..<count])
            case .endOfFile: return []
            case .wouldBlock:
                var poller = pollfd(fd: rawValue, events: Int16(POLLIN), revents: 0)
                _ = poll(&poller, 1, 1000)
            }
        }
    }

    /// Sets `O_NONBLOCK`.
    /// - Throws: `SocketError` from `fcntl`.
    public func setNonBlocking() throws(SocketError) {
        let flags = clinux_fcntl_getfl(rawValue)
        guard flags >= 0, clinux_fcntl_setfl(rawValue, flags | O_NONBLOCK) == 0 else { throw .fromErrno("fcntl") }
    }

    /// Sets a receive timeout on a blocking socket (tests and clients).
    public func setReceiveTimeout(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(rawValue, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Shuts down the sending side, so the peer reads end of stream after the pending bytes.
    public func shutdownWrite() { _ = Glibc.shutdown(rawValue, Int32(SHUT_WR)) }

    /// Closes the descriptor.
    public func close() { _ = Glibc.close(rawValue) }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) {
        var value = value
        _ = setsockopt(rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }
}
