/// Every size limit the request parser enforces; each has its own answer.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line in bytes, CRLF excluded (default 8 KiB → 414).
    public var maxRequestLineLength: Int
    /// Largest header section in bytes, request line included (default 16 KiB → 431).
    public var maxHeaderBytes: Int
    /// Most field lines, trailers counted separately (default 100 → 431).
    public var maxHeaderCount: Int
    /// Largest body in bytes, checked against Content-Length before reading it (default 1 MiB → 413).
    public var maxBodySize: Int

    /// Builds limits; the defaults suit an API server.
    public init(
        maxRequestLineLength: Int = 8 * 1024, maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100,
        maxBodySize: Int = 1024 * 1024
    ) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodySize = maxBodySize
    }
}

/// One step of parsing output.
public enum HTTPParserEvent: Sendable, Equatable {
    /// A complete request head; body parts and `end` follow.
    case head(HTTPRequestHead)
    /// Some body bytes, already de-chunked.
    case body([UInt8])
    /// The request is complete; trailer fields for chunked bodies (RFC 9112 §7.1.2), else empty.
    case end(trailers: HTTPHeaders)
}
