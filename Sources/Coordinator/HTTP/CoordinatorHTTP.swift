public import HTTP1
public import HTTPServer
public import JSON
public import WireModels

/// The HTTP edge's translation helpers: domain errors to `HTTPError` (both error styles of
/// spec/coordinator.md §4) and `JSONValue` bodies to responses.
public enum CoordinatorHTTP {
    /// The `HTTPError` for a domain error: status and code from the error, the legacy
    /// `detail` member beside `error`, and `Retry-After` (RFC 9110 §10.2.3) on 429.
    public static func httpError(_ error: CoordinatorError) -> HTTPError {
        var headers = HTTPHeaders()
        switch error {
        case .rateLimited(let seconds):
            headers.add(name: "Retry-After", value: String(seconds))
        case .unauthorized, .invalidSignature:
            // RFC 9110 §11.6.1: a 401 names the scheme the client should use.
            headers.add(name: "WWW-Authenticate", value: #"Bearer realm="aitbc-coordinator""#)
        default:
            break
        }
        // `detailsJSON` is the one place details are written: WebSocket error frames use it too.
        return HTTPError(
            HTTPResponseStatus(code: error.httpStatus), code: error.code, message: error.message, details: error.detailsJSON,
            extraMembers: [("detail", .string(error.detail))], headers: headers)
    }

    /// A `502 CHAIN_UNAVAILABLE` for the chain-backed explorer reads.
    static func chainUnavailable(_ message: String) -> HTTPError {
        HTTPError(HTTPResponseStatus(code: 502), code: "CHAIN_UNAVAILABLE", message: message, extraMembers: [("detail", .string(message))])
    }

    /// A JSON response with `value` serialized compactly.
    /// Non-finite numbers cannot reach here (every stored document was checked on the way in);
    /// should one, the answer is a 500, never invalid JSON.
    public static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) -> Response {
        guard let bytes = try? JSONSerializer().serialize(value) else {
            return HTTPError(.internalServerError, message: "response encoding failed", extraMembers: [("detail", "internal error")])
                .response
        }
        return json(bytes: bytes, status: status, headers: headers)
    }

    /// A JSON response with `message` in its wire form.
    public static func json(_ message: some WireMessage, status: HTTPResponseStatus = .ok) -> Response {
        json(message.json, status: status)
    }

    /// A JSON response whose body is already serialized (stored documents passed through).
    static func json(bytes: [UInt8], status: HTTPResponseStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) -> Response {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return Response(status: status, headers: headers, body: .bytes(bytes))
    }
}
