/// Client side of the opening handshake (RFC 6455 §4.1): the request headers to send and the
/// check of the server's response.
public struct WebSocketClientHandshake: Sendable {
    /// The `Sec-WebSocket-Key` sent: base64 of 16 random bytes.
    public let key: String
    /// Subprotocols offered, most preferred first.
    public var subprotocols: [String]
    /// permessage-deflate to offer, or `nil` for none.
    public var deflate: PerMessageDeflateConfiguration?

    /// Makes a handshake with a fresh random key from the system generator.
    public init(subprotocols: [String] = [], deflate: PerMessageDeflateConfiguration? = nil) {
        var generator = SystemRandomNumberGenerator()
        self.init(key: Self.makeKey(using: &generator), subprotocols: subprotocols, deflate: deflate)
    }

    /// Makes a handshake with a given key (tests, or a caller-injected generator).
    public init(key: String, subprotocols: [String] = [], deflate: PerMessageDeflateConfiguration? = nil) {
        self.key = key
        self.subprotocols = subprotocols
        self.deflate = deflate
    }

    /// A new key: base64 of 16 bytes from `generator` (RFC 6455 §4.1 item 7 wants them random per connection).
    public static func makeKey(using generator: inout some RandomNumberGenerator) -> String {
        Base64.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Headers to add to `GET <path> HTTP/1.1` (the HTTP client adds `Host`).
    public var requestHeaders: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", WebSocketHandshake.version),
        ]
        if !subprotocols.isEmpty { headers.append(("Sec-WebSocket-Protocol", subprotocols.joined(separator: ", "))) }
        if let deflate { headers.append(("Sec-WebSocket-Extensions", deflate.clientOffer)) }
        return headers
    }

    /// Checks the server's response (RFC 6455 §4.1, client requirements 1–6).
    /// - Throws: `WebSocketClientHandshakeError` naming the first requirement the response breaks.
    public func verify(status: Int, headers: [(name: String, value: String)]) throws(WebSocketClientHandshakeError) -> WebSocketClientHandshakeResult {
        guard status == 101 else { throw .unexpectedStatus(status) }
        guard HTTPHeaderFields.containsToken("websocket", in: "Upgrade", headers: headers) else { throw .missingUpgrade }
        guard HTTPHeaderFields.containsToken("upgrade", in: "Connection", headers: headers) else { throw .missingConnectionUpgrade }
        let accepts = HTTPHeaderFields.values("Sec-WebSocket-Accept", in: headers)
        guard accepts.count == 1, accepts.first == WebSocketHandshake.acceptValue(forKey: key) else { throw .invalidAccept }
        let protocols = HTTPHeaderFields.listElements("Sec-WebSocket-Protocol", in: headers)
        guard protocols.count <= 1 else { throw .unexpectedSubprotocol(protocols.joined(separator: ", ")) }
        if let chosen = protocols.first, !subprotocols.contains(chosen) { throw .unexpectedSubprotocol(chosen) }
        let extensions = HTTPHeaderFields.values("Sec-WebSocket-Extensions", in: headers).joined(separator: ", ")
        var parameters: PerMessageDeflateParameters?
        if !extensions.isEmpty {
            guard let deflate else { throw .unacceptableExtension(extensions) }
            parameters = try deflate.accept(response: extensions)
        }
        return WebSocketClientHandshakeResult(subprotocol: protocols.first, deflate: parameters)
    }
}

/// What a successful client handshake agreed on.
public struct WebSocketClientHandshakeResult: Sendable, Hashable {
    /// The subprotocol the server chose, if any.
    public let subprotocol: String?
    /// Negotiated compression, if any.
    public let deflate: PerMessageDeflateParameters?
}

/// Why a server's handshake response was refused (RFC 6455 §4.1: the client fails the connection).
public enum WebSocketClientHandshakeError: Error, Sendable, Hashable {
    /// Status other than 101.
    case unexpectedStatus(Int)
    /// No `Upgrade: websocket`.
    case missingUpgrade
    /// No `Connection: Upgrade`.
    case missingConnectionUpgrade
    /// `Sec-WebSocket-Accept` missing, repeated or wrong for our key.
    case invalidAccept
    /// A subprotocol we did not offer, or more than one.
    case unexpectedSubprotocol(String)
    /// An extension we did not offer or with parameters our offer does not allow.
    case unacceptableExtension(String)
}
