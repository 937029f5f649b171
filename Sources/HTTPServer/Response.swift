public import HTTP1
public import JSON
public import WebSocket

/// A response: status, headers and a body written with Content-Length or streamed chunked.
public struct Response: Sendable {
    /// The status.
    public var status: HTTPResponseStatus
    /// Headers; the server adds Date, Content-Length/Transfer-Encoding and Connection itself.
    public var headers: HTTPHeaders
    /// The body.
    public var body: ResponseBody
    /// For `101 Switching Protocols`: runs over the raw connection once the 101 is written.
    public var upgrade: (@Sendable (any ByteStream) async -> Void)?

    /// Builds a response.
    public init(
        status: HTTPResponseStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: ResponseBody = .bytes([]),
        upgrade: (@Sendable (any ByteStream) async -> Void)? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.upgrade = upgrade
    }

    /// A JSON response with `value` serialized compactly, members in their order; a value
    /// JSON cannot express (a NaN or infinite float) becomes a 500 error response.
    public static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) -> Response {
        guard let bytes = try? JSONSerializer().serialize(value) else {
            return HTTPError(.internalServerError, message: "response encoding failed").response
        }
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return Response(status: status, headers: headers, body: .bytes(bytes))
    }

    /// A UTF-8 text response.
    public static func text(_ text: String, status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: ["Content-Type": contentType], body: .bytes(Array(text.utf8)))
    }

    /// `101 Switching Protocols` with `headers`; `handler` then owns the connection as a byte stream.
    public static func switchingProtocols(
        headers: HTTPHeaders, handler: @escaping @Sendable (any ByteStream) async -> Void
    ) -> Response {
        Response(status: .switchingProtocols, headers: headers, upgrade: handler)
    }
}
