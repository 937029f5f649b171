import FoundationEssentials
public import HTTP1
public import Sockets

/// One complete request as handlers see it: head, whole body, peer address.
public struct Request: Sendable {
    /// The request line and headers.
    public var head: HTTPRequestHead
    /// The whole body (bounded by `HTTPParserLimits.maxBodySize`).
    public var body: [UInt8]
    /// The peer, when known.
    public var remoteAddress: SocketAddress?

    /// Builds a request (the server does this; tests may too).
    public init(head: HTTPRequestHead, body: [UInt8] = [], remoteAddress: SocketAddress? = nil) {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The method.
    public var method: HTTPMethod { head.method }
    /// The path without the query, still percent-encoded.
    public var path: Substring { head.path }
    /// The headers.
    public var headers: HTTPHeaders { head.headers }
    /// The decoded query parameters.
    public var query: QueryParameters { QueryParameters(head.query ?? "") }

    /// Decodes the body as JSON.
    /// - Throws: `HTTPError` 400 `INVALID_JSON` when the body does not decode as `T`.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws(HTTPError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw HTTPError(.badRequest, code: "INVALID_JSON", message: "request body is not valid JSON for \(T.self)")
        }
    }
}
