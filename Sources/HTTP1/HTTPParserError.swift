/// Why a request was refused by the parser; each case maps to one response status.
///
/// After any error the connection's framing is unknown, so the server answers and closes
/// (RFC 9112 §6.3 ¶2: a faulty framing must not be reused).
public enum HTTPParserError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request line is not `method SP target SP version CRLF` (RFC 9112 §3).
    case invalidRequestLine
    /// A method is not a token (RFC 9110 §9.1).
    case invalidMethod
    /// A valid method token that the server does not implement (RFC 9110 §9.1 → 501).
    case unknownMethod(String)
    /// The target has control bytes or whitespace, or is empty (RFC 9112 §3.2).
    case invalidTarget
    /// The version is well-formed but not HTTP/1.x (→ 505).
    case unsupportedVersion
    /// The request line exceeds the limit (→ 414, RFC 9112 §3).
    case uriTooLong(limit: Int)
    /// The header section exceeds the byte limit (→ 431, RFC 6585 §5).
    case headersTooLarge(limit: Int)
    /// More field lines than allowed (→ 431).
    case tooManyHeaders(limit: Int)
    /// A field name is not a token, or whitespace precedes the colon (RFC 9112 §5.1).
    case invalidHeaderName
    /// A field value has control bytes (RFC 9110 §5.5).
    case invalidHeaderValue
    /// A line starting with SP/HTAB: obsolete line folding (RFC 9112 §5.2).
    case obsoleteLineFolding
    /// A line ended in a bare CR or LF instead of CRLF (RFC 9112 §2.2).
    case invalidLineEnding
    /// Both Content-Length and Transfer-Encoding (RFC 9112 §6.1 ¶15, request smuggling).
    case contentLengthWithTransferEncoding
    /// Content-Length not a decimal number, or several that differ (RFC 9112 §6.3 ¶5).
    case invalidContentLength
    /// Transfer-Encoding in HTTP/1.0, repeated `chunked`, or `chunked` not last (RFC 9112 §6.1).
    case invalidTransferEncoding
    /// A transfer coding other than chunked (→ 501, RFC 9112 §6.1 ¶16).
    case unsupportedTransferEncoding(String)
    /// HTTP/1.1 without exactly one Host (RFC 9112 §3.2 ¶6).
    case missingOrDuplicateHost
    /// The declared or accumulated body exceeds the limit (→ 413).
    case bodyTooLarge(limit: Int)
    /// A chunk-size line is malformed or overflows (RFC 9112 §7.1).
    case invalidChunk
    /// An `Expect` value other than `100-continue` (RFC 9110 §10.1.1 → 417).
    case unsupportedExpectation
    /// A response's status line is not `HTTP-version SP 3DIGIT SP [reason] CRLF` (RFC 9112 §4).
    case invalidStatusLine
    /// The stream ended inside a response whose length was declared (RFC 9112 §8: incomplete message).
    case unexpectedEndOfStream

    /// The response status for this error.
    public var status: HTTPResponseStatus {
        switch self {
        case .unknownMethod: .notImplemented
        case .unsupportedTransferEncoding: .notImplemented
        case .unsupportedVersion: .httpVersionNotSupported
        case .uriTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedExpectation: HTTPResponseStatus(code: 417)
        default: .badRequest
        }
    }

    /// A short explanation safe to send to the client (never echoes input).
    public var description: String {
        switch self {
        case .invalidRequestLine: "malformed request line"
        case .invalidMethod: "invalid method token"
        case .unknownMethod: "method not implemented"
        case .invalidTarget: "invalid request target"
        case .unsupportedVersion: "HTTP version not supported"
        case .uriTooLong(let limit): "request line longer than \(limit) bytes"
        case .headersTooLarge(let limit): "header section larger than \(limit) bytes"
        case .tooManyHeaders(let limit): "more than \(limit) header fields"
        case .invalidHeaderName: "invalid header field name"
        case .invalidHeaderValue: "invalid header field value"
        case .obsoleteLineFolding: "obsolete line folding is not accepted"
        case .invalidLineEnding: "lines must end with CRLF"
        case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
        case .invalidContentLength: "invalid Content-Length"
        case .invalidTransferEncoding: "invalid Transfer-Encoding"
        case .unsupportedTransferEncoding: "transfer coding not implemented"
        case .missingOrDuplicateHost: "HTTP/1.1 requires exactly one Host header"
        case .bodyTooLarge(let limit): "body larger than \(limit) bytes"
        case .invalidChunk: "malformed chunked body"
        case .unsupportedExpectation: "only Expect: 100-continue is supported"
        case .invalidStatusLine: "malformed status line"
        case .unexpectedEndOfStream: "connection closed before the message was complete"
        }
    }
}
