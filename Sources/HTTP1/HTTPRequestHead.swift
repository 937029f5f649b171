/// The request line and header section of one request (RFC 9112 §3, §5).
public struct HTTPRequestHead: Sendable, Equatable {
    /// The request method.
    public var method: HTTPMethod
    /// The request target as sent (origin-form `/path?query` for ordinary requests).
    public var target: String
    /// The protocol version.
    public var version: HTTPVersion
    /// The header fields in order.
    public var headers: HTTPHeaders
    /// Whether the connection may carry another request after this one (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// Whether the client sent `Expect: 100-continue` (RFC 9110 §10.1.1).
    public var expectsContinue: Bool
    /// How the body is framed (RFC 9112 §6.3).
    public var bodyFraming: HTTPBodyFraming

    /// Builds a head; `keepAlive` defaults from the version and `Connection` field.
    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
        keepAlive: Bool? = nil, expectsContinue: Bool = false, bodyFraming: HTTPBodyFraming = .none
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.keepAlive = keepAlive ?? Self.defaultKeepAlive(version: version, headers: headers)
        self.expectsContinue = expectsContinue
        self.bodyFraming = bodyFraming
    }

    /// The path part of the target, before any `?`.
    public var path: Substring {
        if let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) { return target[..<question] }
        return target[...]
    }

    /// The raw query after `?`, if any.
    public var query: Substring? {
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return target[target.index(after: question)...]
    }

    /// HTTP/1.1 keeps a connection unless `close`; HTTP/1.0 only with `keep-alive` (RFC 9112 §9.3).
    static func defaultKeepAlive(version: HTTPVersion, headers: HTTPHeaders) -> Bool {
        if headers.containsToken("close", in: "Connection") { return false }
        if version == .http1_0 { return headers.containsToken("keep-alive", in: "Connection") }
        return version.major == 1
    }
}

/// How a request body is delimited (RFC 9112 §6.3).
public enum HTTPBodyFraming: Sendable, Equatable {
    /// No body.
    case none
    /// Exactly this many bytes (`Content-Length`).
    case contentLength(Int)
    /// The chunked transfer coding.
    case chunked
}
