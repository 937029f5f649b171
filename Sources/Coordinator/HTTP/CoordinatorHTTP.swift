public import HTTP1
public import HTTPServer
public import JSON
public import WireModels

/// The HTTP edge's translation helpers: domain errors to `HTTPError` (both error styles of
/// spec/coordinator.md §4) and `JSONValue` bodies to responses.
public enum CoordinatorHTTP {
    /// `details` of a 429: how long to wait.
    struct RetryAfterDetails: Encodable, Sendable {
        let retry_after_seconds: Int
    }

    /// `details` of a 429 quota refusal: the client's queued-job limit.
    struct QuotaDetails: Encodable, Sendable {
        let queued_job_limit: Int
    }

    /// `details` of a 429 constraint-set refusal.
    struct ConstraintSetQuotaDetails: Encodable, Sendable {
        let constraint_set_limit: Int
    }

    /// `details` of a 409 `MINER_KEY_PINNED`: the miner id the rotation route needs.
    struct MinerDetails: Encodable, Sendable {
        let miner_id: String
    }

    /// `details` of a 413: the limit that was exceeded.
    struct LimitDetails: Encodable, Sendable {
        let limit_bytes: Int
    }

    /// The `HTTPError` for a domain error: status and code from the error, the legacy
    /// `detail` member beside `error`, and `Retry-After` (RFC 9110 §10.2.3) on 429.
    public static func httpError(_ error: CoordinatorError) -> HTTPError {
        var headers = HTTPHeaders()
        var details: (any Encodable & Sendable)?
        switch error {
        case .rateLimited(let seconds):
            headers.add(name: "Retry-After", value: String(seconds))
            details = RetryAfterDetails(retry_after_seconds: seconds)
        case .payloadTooLarge(let limit):
            details = LimitDetails(limit_bytes: limit)
        case .queueQuotaExceeded(let limit):
            details = QuotaDetails(queued_job_limit: limit)
        case .constraintSetQuotaExceeded(let limit):
            details = ConstraintSetQuotaDetails(constraint_set_limit: limit)
        case .minerKeyPinned(let minerID), .minerKeyRequired(let minerID):
            details = MinerDetails(miner_id: minerID)
        case .unauthorized, .invalidSignature:
            // RFC 9110 §11.6.1: a 401 names the scheme the client should use.
            headers.add(name: "WWW-Authenticate", value: #"Bearer realm="aitbc-coordinator""#)
        default:
            break
        }
        return HTTPError(
            HTTPResponseStatus(code: error.httpStatus), code: error.code, message: error.message, details: details,
            extraMembers: [("detail", error.detail)], headers: headers)
    }

    /// A `502 CHAIN_UNAVAILABLE` for the chain-backed explorer reads.
    static func chainUnavailable(_ message: String) -> HTTPError {
        HTTPError(HTTPResponseStatus(code: 502), code: "CHAIN_UNAVAILABLE", message: message, extraMembers: [("detail", message)])
    }

    /// Adds the legacy `detail` member to an `HTTPError` raised below the coordinator's own
    /// handlers (router 404/405, 400 on malformed query parameters), so every error body the
    /// coordinator's routes produce has both styles.
    static func withDetail(_ error: HTTPError) -> HTTPError {
        guard !error.extraMembers.contains(where: { $0.0 == "detail" }) else { return error }
        var error = error
        error.extraMembers.append(("detail", error.message))
        return error
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

/// Adds `detail` to every `HTTPError` that passes through (see `CoordinatorHTTP.withDetail`).
struct LegacyDetailMiddleware: Middleware {
    func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            throw CoordinatorHTTP.withDetail(error)
        }
    }
}
