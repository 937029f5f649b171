import Glibc

/// A loopback port that refuses connections for as long as this value lives: a TCP socket bound
/// to it that never listens. Tests of "connection refused" used to close a listener and reuse its
/// port number, but in a parallel run the kernel may hand that ephemeral port to another test's
/// listener (port 0) in between — the request then reached a live server (a CI run got a 413 and
/// an exit 0 where ECONNREFUSED and exit 4 were expected). A bound socket keeps the port taken.
public final class RefusingPort: Sendable {
    /// The port number.
    public let port: Int
    private let descriptor: Int32

    /// Binds a new socket to 127.0.0.1:0 without listening.
    /// - Throws: `RefusingPort.Failure` with the errno of `socket`, `bind` or `getsockname`.
    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw Failure(call: "bind", errno: code)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            close(fd)
            throw Failure(call: "getsockname", errno: code)
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// A failed system call while setting the port up.
    public struct Failure: Error {
        public let call: String
        public let errno: Int32
    }
}
