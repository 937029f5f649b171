/// A response status code with its reason phrase (RFC 9110 §15).
public struct HTTPResponseStatus: Hashable, Sendable, CustomStringConvertible {
    /// The three-digit code.
    public var code: Int
    /// The reason phrase sent on the status line.
    public var reasonPhrase: String

    /// Builds a status; the reason phrase defaults to the registered one.
    public init(code: Int, reasonPhrase: String? = nil) {
        self.code = code
        self.reasonPhrase = reasonPhrase ?? Self.defaultReason(code)
    }

    /// Equality by code only: reason phrases are informational (RFC 9112 §4).
    public static func == (lhs: HTTPResponseStatus, rhs: HTTPResponseStatus) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `code reason`.
    public var description: String { "\(code) \(reasonPhrase)" }

    /// 1xx and 204/304 never carry content (RFC 9110 §6.4.1).
    public var mayHaveBody: Bool { !(code < 200 || code == 204 || code == 304) }

    /// 100 Continue.
    public static let `continue` = HTTPResponseStatus(code: 100)
    /// 101 Switching Protocols.
    public static let switchingProtocols = HTTPResponseStatus(code: 101)
    /// 200 OK.
    public static let ok = HTTPResponseStatus(code: 200)
    /// 201 Created.
    public static let created = HTTPResponseStatus(code: 201)
    /// 202 Accepted.
    public static let accepted = HTTPResponseStatus(code: 202)
    /// 204 No Content.
    public static let noContent = HTTPResponseStatus(code: 204)
    /// 304 Not Modified.
    public static let notModified = HTTPResponseStatus(code: 304)
    /// 400 Bad Request.
    public static let badRequest = HTTPResponseStatus(code: 400)
    /// 401 Unauthorized.
    public static let unauthorized = HTTPResponseStatus(code: 401)
    /// 403 Forbidden.
    public static let forbidden = HTTPResponseStatus(code: 403)
    /// 404 Not Found.
    public static let notFound = HTTPResponseStatus(code: 404)
    /// 405 Method Not Allowed.
    public static let methodNotAllowed = HTTPResponseStatus(code: 405)
    /// 408 Request Timeout.
    public static let requestTimeout = HTTPResponseStatus(code: 408)
    /// 409 Conflict.
    public static let conflict = HTTPResponseStatus(code: 409)
    /// 413 Content Too Large.
    public static let contentTooLarge = HTTPResponseStatus(code: 413)
    /// 414 URI Too Long.
    public static let uriTooLong = HTTPResponseStatus(code: 414)
    /// 415 Unsupported Media Type.
    public static let unsupportedMediaType = HTTPResponseStatus(code: 415)
    /// 422 Unprocessable Content.
    public static let unprocessableContent = HTTPResponseStatus(code: 422)
    /// 425 Too Early.
    public static let tooEarly = HTTPResponseStatus(code: 425)
    /// 429 Too Many Requests.
    public static let tooManyRequests = HTTPResponseStatus(code: 429)
    /// 431 Request Header Fields Too Large.
    public static let requestHeaderFieldsTooLarge = HTTPResponseStatus(code: 431)
    /// 500 Internal Server Error.
    public static let internalServerError = HTTPResponseStatus(code: 500)
    /// 501 Not Implemented.
    public static let notImplemented = HTTPResponseStatus(code: 501)
    /// 503 Service Unavailable.
    public static let serviceUnavailable = HTTPResponseStatus(code: 503)
    /// 505 HTTP Version Not Supported.
    public static let httpVersionNotSupported = HTTPResponseStatus(code: 505)

    static func defaultReason(_ code: Int) -> String {
        switch code {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 425: "Too Early"
        case 426: "Upgrade Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Status \(code)"
        }
    }
}
