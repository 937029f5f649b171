public import HTTP1
public import JSON
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

    /// The body parsed as one strict JSON text (`JSONParser`: no duplicate keys, valid UTF-8),
    /// within `limits`; turn it into a typed value with that type's `init(json:)`.
    /// - Throws: `HTTPError` 413 when the body is longer than `limits.maxInputBytes`, 400
    ///   `INVALID_JSON` naming the first problem and its byte offset otherwise.
    public func json(limits: JSONParser.Limits = Self.defaultJSONLimits) throws(HTTPError) -> JSONValue {
        do {
            return try JSONParser(limits: limits).parse(body)
        } catch {
            switch error {
            case .inputTooLarge(let limit):
                throw HTTPError(.contentTooLarge, message: "request body exceeds \(limit) bytes", details: ["limit_bytes": .integer(JSONInteger(limit))])
            case .duplicateKey(_, let offset):
                // The key is the client's text, of any length: name the place, not the key.
                throw HTTPError(.badRequest, code: "INVALID_JSON", message: "request body is not valid JSON: duplicate object key at byte \(offset)")
            default:
                throw HTTPError(.badRequest, code: "INVALID_JSON", message: "request body is not valid JSON: \(error)")
            }
        }
    }

    /// `json()`'s limits: the body is already bounded by `HTTPParserLimits.maxBodySize`, so the
    /// size limit only matters for callers that pass a smaller one; nesting stops at 64.
    public static let defaultJSONLimits = JSONParser.Limits(maxInputBytes: Int.max, maxDepth: 64)
}
