import Sockets

/// The parts of an `http://` or `ws://` URL the client needs; numeric hosts and `localhost` only (no DNS).
struct HTTPClientURL: Sendable, Equatable {
    /// `http` or `ws`.
    var scheme: String
    /// The host as written, without IPv6 brackets.
    var host: String
    var port: Int
    /// Origin-form target: path plus query, `/` when empty.
    var target: String
    var address: SocketAddress

    /// The `Host` header value (RFC 9110 §7.2): IPv6 in brackets, default port omitted.
    var hostHeader: String {
        let name = host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    /// The pool key.
    var key: String { address.description }

    /// Parses `scheme://host[:port][/path][?query]`; a fragment is dropped (RFC 9110 §7.1: never sent).
    init(_ text: String, schemes: [String] = ["http"]) throws(HTTPClientError) {
        // Parsed on every request, so on the UTF-8 bytes with integer offsets: Foundation's
        // `range(of:)` (NSString bridging) and Character-wise `Substring` scans were ~6 % of a
        // busy client's CPU. Every delimiter is ASCII, so byte offsets split valid UTF-8.
        let bytes = Array(text.utf8)
        func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        func first(_ byte: UInt8, in range: Range<Int>) -> Int? { bytes[range].firstIndex(of: byte) }
        guard let separator = bytes.indices.dropLast(2).first(where: {
            bytes[$0] == UInt8(ascii: ":") && bytes[$0 + 1] == UInt8(ascii: "/") && bytes[$0 + 2] == UInt8(ascii: "/")
        }) else { throw .invalidURL(text) }
        let scheme = string(0..<separator).lowercased()
        guard schemes.contains(scheme) else { throw .invalidURL(text) }
        var end = bytes.count
        if let hash = first(UInt8(ascii: "#"), in: (separator + 3)..<end) { end = hash }
        let authorityStart = separator + 3
        let authorityEnd = bytes[authorityStart..<end].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? end
        var target = string(authorityEnd..<end)
        if target.isEmpty { target = "/" } else if bytes[authorityEnd] == UInt8(ascii: "?") { target = "/" + target }
        // RFC 9112 §3.2: no whitespace or controls in the target.
        guard bytes[authorityEnd..<end].allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .invalidURL(text) }
        let authority = authorityStart..<authorityEnd
        guard first(UInt8(ascii: "@"), in: authority) == nil else { throw .invalidURL(text) }
        var host: Range<Int>
        var portRange: Range<Int>?
        if !authority.isEmpty, bytes[authority.lowerBound] == UInt8(ascii: "[") {
            guard let close = first(UInt8(ascii: "]"), in: authority) else { throw .invalidURL(text) }
            host = (authority.lowerBound + 1)..<close
            if close + 1 < authority.upperBound {
                guard bytes[close + 1] == UInt8(ascii: ":") else { throw .invalidURL(text) }
                portRange = (close + 2)..<authority.upperBound
            }
        } else if let colon = bytes[authority].lastIndex(of: UInt8(ascii: ":")) {
            host = authority.lowerBound..<colon
            portRange = (colon + 1)..<authority.upperBound
        } else {
            host = authority
        }
        var port = 80
        if let portRange {
            guard !portRange.isEmpty, portRange.count <= 5, let value = Int(string(portRange)), (1...65_535).contains(value) else {
                throw .invalidURL(text)
            }
            port = value
        }
        guard !host.isEmpty else { throw .invalidURL(text) }
        let hostText = string(host)
        let name = host.count == 9 && hostText.lowercased() == "localhost" ? "localhost" : hostText
        do {
            address = try SocketAddress(host: name, port: port)
        } catch {
            throw .invalidURL(text)
        }
        self.scheme = scheme
        self.host = name
        self.port = port
        self.target = target
    }
}
