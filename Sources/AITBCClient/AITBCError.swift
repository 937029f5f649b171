public import HTTPClient
import WireModels
import TerminalText

/// Every way an SDK call fails: one type, so a caller switches on `kind` or reads `status`,
/// `code` and `message` (spec/sdk.md §5 "Errors").
///
/// Text that came from the coordinator (`code`, `message`) is escaped and bounded here, once,
/// with `UntrustedText`: it may end up on an operator's terminal or in a log line, and a
/// coordinator (or anyone on a plain-http path) must not put escape sequences there. The
/// exact bytes stay in `body`.
public struct AITBCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed.
    public enum Kind: Sendable, Equatable {
        /// The coordinator answered with a non-2xx status (`status` is set).
        case rejected
        /// No HTTP answer: connect refused, timeout, reset, malformed response (`transport` is set).
        case unreachable
        /// A 2xx answer whose body is not the documented shape.
        case invalidResponse
        /// The request could not be built (bad URL, an argument the API refuses).
        case invalidRequest
        /// The calling task was cancelled, or a wait ran past its timeout.
        case cancelled
        /// `waitForCompletion` ran past its timeout before the job reached a terminal state.
        case timedOut
    }

    /// Longest `message` kept, in Unicode scalars.
    public static let maxMessageLength = 300

    /// What failed.
    public var kind: Kind
    /// The HTTP status of a rejection.
    public var status: Int?
    /// The coordinator's `error.code`, else one derived from the status (`HTTP_503`) or the
    /// failure (`UNREACHABLE`, `TIMEOUT`, `INVALID_RESPONSE`, `INVALID_REQUEST`, `CANCELLED`).
    public var code: String
    /// The coordinator's `error.message`, else its legacy `detail`, else a description of the
    /// failure; escaped and cut to `maxMessageLength`.
    public var message: String
    /// The response body as received (empty when there was none).
    public var body: [UInt8]
    /// The transport failure of an `.unreachable` error.
    public var transport: HTTPClientError?
    /// The coordinator's own `error.code`, escaped, when its body had one (`code` falls back to a derived one).
    public var serverCode: String?
    /// The coordinator's own `error.message` (else `detail`), escaped and bounded, when its body
    /// had one (`message` falls back to a description).
    public var serverMessage: String?

    /// Builds an error from its parts (the SDK does this; tests may too).
    public init(
        kind: Kind, status: Int? = nil, code: String, message: String, body: [UInt8] = [], transport: HTTPClientError? = nil
    ) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.body = body
        self.transport = transport
    }

    /// The error of a non-2xx answer: `{"detail", "error": {"code", "message"}}` when the body
    /// has them, else a code derived from the status and the status as the message.
    public static func rejection(status: Int, body: [UInt8]) -> AITBCError {
        // WireModels' error body, read leniently: `code` is empty and `message` falls back to
        // `detail` when the coordinator (or an older one, or a proxy) sent less.
        let parsed = body.isEmpty ? nil : try? ErrorResponse(bytes: body, maxBytes: max(body.count, 1))
        let code = parsed.flatMap { $0.code.isEmpty ? nil : UntrustedText.display($0.code) }
        let text = parsed.flatMap { $0.message.isEmpty ? nil : $0.message }
        var error = AITBCError(
            kind: .rejected, status: status, code: code ?? derivedCode(status: status),
            message: text.map(bounded) ?? "HTTP \(status)", body: body)
        error.serverCode = code
        error.serverMessage = text.map(bounded)
        return error
    }

    /// The error of a call that got no HTTP answer.
    public static func unreachable(_ error: HTTPClientError) -> AITBCError {
        let code: String
        switch error {
        case .cancelled: return .cancelled
        case .connectTimeout, .readTimeout: code = "TIMEOUT"
        case .shutdown: code = "CANCELLED"
        default: code = "UNREACHABLE"
        }
        return AITBCError(kind: .unreachable, code: code, message: bounded(error.description), transport: error)
    }

    /// A 2xx answer that is not what the API documents.
    static func invalidResponse(_ reason: String, status: Int, body: [UInt8]) -> AITBCError {
        AITBCError(kind: .invalidResponse, status: status, code: "INVALID_RESPONSE", message: bounded(reason), body: body)
    }

    /// An argument or URL the SDK cannot send.
    static func invalidRequest(_ reason: String) -> AITBCError {
        AITBCError(kind: .invalidRequest, code: "INVALID_REQUEST", message: bounded(reason))
    }

    /// The caller's task was cancelled.
    static let cancelled = AITBCError(kind: .cancelled, code: "CANCELLED", message: "request cancelled")

    /// The code of a status the coordinator sent no `error.code` for.
    static func derivedCode(status: Int) -> String {
        switch status {
        case 400: "BAD_REQUEST"
        case 401: "UNAUTHORIZED_KEY"
        case 403: "FORBIDDEN"
        case 404: "NOT_FOUND"
        case 409: "CONFLICT_STATE"
        case 413: "PAYLOAD_TOO_LARGE"
        case 422: "INVALID_PAYLOAD"
        case 425: "JOB_NOT_READY"
        case 429: "RATE_LIMITED"
        default: "HTTP_\(status)"
        }
    }

    /// `text` as `UntrustedText.display` writes it, cut to `maxMessageLength` scalars.
    public static func bounded(_ text: String) -> String {
        UntrustedText.display(text, limit: maxMessageLength - 1)
    }

    /// Whether this is a rejection with `status`.
    public func isRejection(_ status: Int) -> Bool { kind == .rejected && self.status == status }

    /// "HTTP 404 JOB_NOT_FOUND: job not found", or "UNREACHABLE: connection refused (errno 111)".
    public var description: String {
        if let status { return "HTTP \(status) \(code): \(message)" }
        return "\(code): \(message)"
    }
}
