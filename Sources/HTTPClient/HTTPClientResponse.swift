public import HTTP1
public import JSON

/// A complete response: status, headers and the whole body.
public struct HTTPClientResponse: Sendable {
    /// The protocol version the server answered with.
    public var version: HTTPVersion
    /// The status.
    public var status: HTTPResponseStatus
    /// The headers in order.
    public var headers: HTTPHeaders
    /// The de-chunked body (empty for HEAD, 204 and 304).
    public var body: [UInt8]
    /// Trailer fields of a chunked body.
    public var trailers: HTTPHeaders

    /// Builds a response (the client does this; tests may too).
    public init(
        version: HTTPVersion = .http1_1, status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
        trailers: HTTPHeaders = HTTPHeaders()
    ) {
        self.version = version
        self.status = status
        self.headers = headers
        self.body = body
        self.trailers = trailers
    }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as one strict JSON text within `limits` (the body is already bounded by
    /// `HTTPClientConfiguration`); turn it into a typed value with that type's `init(json:)`.
    /// - Throws: `.decodingFailed` naming the first problem and its byte offset.
    public func json(limits: JSONParser.Limits = Self.defaultJSONLimits) throws(HTTPClientError) -> JSONValue {
        do {
            return try JSONParser(limits: limits).parse(body)
        } catch {
            throw .decodingFailed("\(error)")
        }
    }

    /// `json()`'s limits: no size limit beyond the client's own, nesting up to 64 levels.
    public static let defaultJSONLimits = JSONParser.Limits(maxInputBytes: Int.max, maxDepth: 64)
}
