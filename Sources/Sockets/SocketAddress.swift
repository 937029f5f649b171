import Glibc

/// An IPv4 or IPv6 socket address.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// The address family.
    public enum Family: Sendable, Equatable {
        /// IPv4.
        case ipv4
        /// IPv6.
        case ipv6
    }

    /// The textual host, e.g. `127.0.0.1` or `::1`.
    public let host: String
    /// The port in host byte order.
    public let port: Int
    /// The family.
    public let family: Family

    /// Builds an address from a numeric host (`localhost` maps to `127.0.0.1`); no DNS lookups.
    /// - Throws: `SocketError` when the host is not a numeric IPv4/IPv6 address or the port is out of range.
    public init(host: String, port: Int) throws(SocketError) {
        guard (0...65_535).contains(port) else { throw SocketError(call: "address", message: "port \(port) out of range") }
        let name = host == "localhost" ? "127.0.0.1" : host
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            family = .ipv4
        } else if inet_pton(AF_INET6, name, &v6) == 1 {
            family = .ipv6
        } else {
            throw SocketError(call: "address", message: "not a numeric IP address: \(host)")
        }
        self.host = name
        self.port = port
    }

    init(host: String, port: Int, family: Family) {
        self.host = host
        self.port = port
        self.family = family
    }

    /// `host:port`, IPv6 hosts in brackets.
    public var description: String { family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with this address as a `sockaddr`.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch family {
        case .ipv4:
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            _ = inet_pton(AF_INET, host, &address.sin_addr)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .ipv6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            _ = inet_pton(AF_INET6, host, &address.sin6_addr)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    /// Decodes a kernel-filled `sockaddr_storage`; `nil` for families other than IPv4/IPv6.
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            var addr = address.sin_addr
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            guard inet_ntop(AF_INET, &addr, &text, socklen_t(text.count)) != nil else { return nil }
            self.init(host: Self.string(text), port: Int(UInt16(bigEndian: address.sin_port)), family: .ipv4)
        case AF_INET6:
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            var addr = address.sin6_addr
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count)) != nil else { return nil }
            self.init(host: Self.string(text), port: Int(UInt16(bigEndian: address.sin6_port)), family: .ipv6)
        default:
            return nil
        }
    }

    static func string(_ text: [CChar]) -> String {
        let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
