/// The status line and header section of one response (RFC 9112 §4, §5).
public struct HTTPResponseHead: Sendable, Equatable {
    /// The protocol version the server sent.
    public var version: HTTPVersion
    /// The status code and reason phrase as sent.
    public var status: HTTPResponseStatus
    /// The header fields in order.
    public var headers: HTTPHeaders
    /// Whether the connection may carry another request after this response (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// How the body is delimited.
    public var bodyFraming: HTTPResponseBodyFraming

    /// Builds a head (the parser does this; tests may too).
    public init(
        version: HTTPVersion = .http1_1, status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(),
        keepAlive: Bool = true, bodyFraming: HTTPResponseBodyFraming = .none
    ) {
        self.version = version
        self.status = status
        self.headers = headers
        self.keepAlive = keepAlive
        self.bodyFraming = bodyFraming
    }
}

/// How a response body is delimited (RFC 9112 §6.3).
public enum HTTPResponseBodyFraming: Sendable, Equatable {
    /// No body: HEAD, 1xx, 204, 304, or `Content-Length: 0`.
    case none
    /// Exactly this many bytes (`Content-Length`).
    case contentLength(Int)
    /// The chunked transfer coding.
    case chunked
    /// Neither was sent: the body runs until the server closes the connection (RFC 9112 §6.3 ¶8).
    case untilClose
}

/// One step of response parsing output.
public enum HTTPResponseParserEvent: Sendable, Equatable {
    /// A complete response head; body parts and `end` follow. 1xx heads are interim: another head follows (except 101).
    case head(HTTPResponseHead)
    /// Some body bytes, already de-chunked.
    case body([UInt8])
    /// The response is complete; trailer fields for chunked bodies, else empty.
    case end(trailers: HTTPHeaders)
}
