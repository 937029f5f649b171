/// Server side of the opening handshake (RFC 6455 §4.2): validates the upgrade request and
/// builds the 101 response headers, or says which error status to answer with.
///
/// Takes and returns plain `(name, value)` pairs; the HTTP server maps them to its own types.
public struct WebSocketHandshake: Sendable {
    /// The GUID appended to the key before hashing (RFC 6455 §1.3).
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    /// The only protocol version we speak (RFC 6455 §4.1).
    public static let version = "13"

    /// Subprotocols this server speaks, most preferred first.
    public var subprotocols: [String]
    /// permessage-deflate settings, or `nil` to never negotiate compression.
    public var deflate: PerMessageDeflateConfiguration?

    /// Makes a server handshake; no subprotocols and no compression by default.
    public init(subprotocols: [String] = [], deflate: PerMessageDeflateConfiguration? = nil) {
        self.subprotocols = subprotocols
        self.deflate = deflate
    }

    /// `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2 step 5.4).
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array((key + guid).utf8)))
    }

    /// Whether `key` is a valid `Sec-WebSocket-Key`: base64 of exactly 16 bytes (RFC 6455 §4.1 item 7).
    public static func isValidKey(_ key: String) -> Bool {
        key.utf8.count == 24 && Base64.decode(key)?.count == 16
    }

    /// Checks an upgrade request and returns the response to send.
    ///
    /// Rejections: 400 for a wrong method or missing/invalid `Upgrade`, `Connection` or
    /// `Sec-WebSocket-Key` (RFC 6455 §4.2.1); 426 with `Sec-WebSocket-Version: 13` for a
    /// missing or unsupported version (§4.2.2, §4.4).
    public func evaluate(method: String, headers: [(name: String, value: String)]) -> WebSocketHandshakeOutcome {
        guard method == "GET" else { return .reject(.init(status: 400, reason: "WebSocket upgrade requires GET")) }
        guard HTTPHeaderFields.containsToken("websocket", in: "Upgrade", headers: headers) else {
            return .reject(.init(status: 400, reason: "missing Upgrade: websocket"))
        }
        guard HTTPHeaderFields.containsToken("upgrade", in: "Connection", headers: headers) else {
            return .reject(.init(status: 400, reason: "missing Connection: Upgrade"))
        }
        let versions = HTTPHeaderFields.values("Sec-WebSocket-Version", in: headers)
        guard versions.count == 1, versions.first == Self.version else {
            return .reject(.init(
                status: 426, reason: "unsupported WebSocket version",
                headers: [("Sec-WebSocket-Version", Self.version)]))
        }
        let keys = HTTPHeaderFields.values("Sec-WebSocket-Key", in: headers)
        guard keys.count == 1, let key = keys.first, Self.isValidKey(key) else {
            return .reject(.init(status: 400, reason: "missing or invalid Sec-WebSocket-Key"))
        }
        var response: [(name: String, value: String)] = [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", Self.acceptValue(forKey: key)),
        ]
        // Subprotocol (§4.2.2 step 5.5): our preference order, among those the client offered.
        let offered = HTTPHeaderFields.listElements("Sec-WebSocket-Protocol", in: headers)
        let chosen = subprotocols.first { offered.contains($0) }
        if let chosen { response.append(("Sec-WebSocket-Protocol", chosen)) }
        var parameters: PerMessageDeflateParameters?
        if let deflate {
            let offers = HTTPHeaderFields.values("Sec-WebSocket-Extensions", in: headers).joined(separator: ", ")
            if let negotiated = deflate.negotiate(offers: offers) {
                parameters = negotiated
                response.append(("Sec-WebSocket-Extensions", negotiated.headerValue))
            }
        }
        return .accept(.init(headers: response, subprotocol: chosen, deflate: parameters))
    }
}

/// What the server answers an upgrade request with.
public enum WebSocketHandshakeOutcome: Sendable {
    /// Switch protocols: send 101 with these headers, then run a `WebSocketConnection`.
    case accept(WebSocketHandshakeAcceptance)
    /// Refuse the upgrade with an HTTP error.
    case reject(WebSocketHandshakeRejection)
}

/// A successful server handshake.
public struct WebSocketHandshakeAcceptance: Sendable {
    /// Always 101 Switching Protocols.
    public let status = 101
    /// Response headers: Upgrade, Connection, Sec-WebSocket-Accept, and the negotiated protocol/extension.
    public let headers: [(name: String, value: String)]
    /// The chosen subprotocol, if any.
    public let subprotocol: String?
    /// Negotiated permessage-deflate parameters, if compression is on.
    public let deflate: PerMessageDeflateParameters?
}

/// A refused upgrade: the status, extra headers and a short reason for the body or log.
public struct WebSocketHandshakeRejection: Error, Sendable {
    /// 400 or 426.
    public let status: Int
    /// Human-readable reason; contains no request data.
    public let reason: String
    /// Extra response headers (426 carries `Sec-WebSocket-Version: 13`).
    public let headers: [(name: String, value: String)]

    /// Makes a rejection.
    public init(status: Int, reason: String, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }
}
