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
        // Parsed on every request: find "://" on the UTF-8 view (Foundation's `range(of:)`
        // bridged through NSString and was 6 % of a busy client's CPU).
        let utf8 = text.utf8
        guard let separator = Self.schemeSeparator(in: utf8) else { throw .invalidURL(text) }
        let schemeText = text[..<separator]
        let scheme = schemeText.utf8.contains { $0 >= 0x41 && $0 <= 0x5A } ? schemeText.lowercased() : String(schemeText)
        guard schemes.contains(scheme) else { throw .invalidURL(text) }
        var rest = text[utf8.index(separator, offsetBy: 3)...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if target.isEmpty { target = "/" } else if target.first == "?" { target = "/" + target }
        // RFC 9112 §3.2: no whitespace or controls in the target.
        guard target.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .invalidURL(text) }
        guard !authority.utf8.contains(UInt8(ascii: "@")) else { throw .invalidURL(text) }
        var host: Substring
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(text) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw .invalidURL(text) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        var port = 80
        if let portText {
            guard !portText.isEmpty, portText.utf8.count <= 5, let value = Int(portText), (1...65_535).contains(value) else {
                throw .invalidURL(text)
            }
            port = value
        }
        guard !host.isEmpty else { throw .invalidURL(text) }
        let name = host.utf8.count == 9 && host.lowercased() == "localhost" ? "localhost" : String(host)
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

    /// The index of the first "://", searched byte-wise.
    private static func schemeSeparator(in utf8: String.UTF8View) -> String.Index? {
        var index = utf8.startIndex
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: ":") {
                let second = utf8.index(after: index)
                if second != utf8.endIndex, utf8[second] == UInt8(ascii: "/") {
                    let third = utf8.index(after: second)
                    if third != utf8.endIndex, utf8[third] == UInt8(ascii: "/") { return index }
                }
            }
            index = utf8.index(after: index)
        }
        return nil
    }
}
