public import Foundation
public import HTTP1

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

    /// Decodes the body as JSON.
    /// - Throws: `.decodingFailed` when the body is not valid JSON for `T`.
    public func decode<T: Decodable>(as type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws(HTTPClientError) -> T {
        do {
            return try decoder.decode(type, from: Data(body))
        } catch {
            throw .decodingFailed("\(T.self): \(error)")
        }
    }
}
