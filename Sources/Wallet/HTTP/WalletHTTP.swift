import HTTP1
import HTTPServer
import JSON
import Sockets
import WireModels

/// The wallet's HTTP edge in one place: the body limit, JSON reading, and the `{"detail"}`
/// error answers of spec §8 (the reference's routes keep their exact bodies; the target's
/// routes add `code`).
enum WalletHTTP {
    /// The body as JSON, 413 over `maxBytes`, 422 (`value_error.jsondecode`) for text that is not JSON.
    static func json(_ request: Request, maxBytes: Int) throws(WalletError) -> JSONValue {
        guard request.body.count <= maxBytes else { throw .payloadTooLarge(limit: maxBytes) }
        do {
            return try JSONParser(limits: .init(maxInputBytes: maxBytes, maxDepth: 32)).parse(request.body)
        } catch {
            throw .validation([WalletErrorBody.Issue(loc: ["body"], msg: "invalid JSON", type: "value_error.jsondecode")])
        }
    }

    /// Decodes a request message; schema violations are 422.
    static func decode<M: WireMessage>(_ type: M.Type, _ request: Request, maxBytes: Int) throws(WalletError) -> M {
        let body = try json(request, maxBytes: maxBytes)
        do {
            return try M(json: body)
        } catch {
            throw WalletError.validation(error)
        }
    }

    /// A JSON answer.
    static func response(_ message: some WireMessage, status: HTTPResponseStatus = .ok) -> Response {
        .json(message.json, status: status)
    }

    /// The error answer: `{"detail"}` on the reference's routes (plus `code` for the target's
    /// `WALLET_LOCKED`, every 429 and every 503 — answers the reference never gave — so a client
    /// reads a throttle or a set-up fault the same way on every route), `{"detail", "code"}` on
    /// new routes, `Retry-After` on 429.
    static func response(_ error: WalletError, reference: Bool) -> Response {
        var headers = HTTPHeaders()
        if case .rateLimited(let seconds, _) = error { headers.add(name: "Retry-After", value: String(seconds)) }
        let body: WalletErrorBody
        switch error {
        case .validation(let issues): body = WalletErrorBody(issues: issues)
        case .unauthorized: body = WalletErrorBody(error.description)
        case .locked, .rateLimited, .unavailable: body = WalletErrorBody(error.description, code: error.code)
        default: body = WalletErrorBody(error.description, code: reference ? nil : error.code)
        }
        return .json(body.json, status: HTTPResponseStatus(code: error.status), headers: headers)
    }

    /// The client's host for rate-limit keys.
    static func client(_ context: RequestContext) -> String { context.remoteAddress?.host ?? "unknown" }
}

/// `X-Auth-Token` on every route while `WALLET_TOKEN` is set (§10 [TARGET]): the SHA-256
/// digests of the header and the token are compared in constant time, so neither the token's
/// length nor a matching prefix shows in the timing. Missing, wrong or sent twice → 401 `{"detail": "unauthorized"}`.
struct WalletAuthMiddleware: Middleware {
    let tokenDigest: [UInt8]

    init(token: String) { tokenDigest = WalletAuthMiddleware.digest(token) }

    func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        // Exactly one header: with two, whichever a proxy or this server reads first would decide.
        let headers = request.headers.values(for: "X-Auth-Token")
        guard headers.count == 1, let header = headers.first, Self.matches(WalletAuthMiddleware.digest(header), tokenDigest) else {
            return WalletHTTP.response(WalletError.unauthorized, reference: true)
        }
        return try await next(request, context)
    }

    static func digest(_ text: String) -> [UInt8] { WalletTokenDigest.sha256(Array(text.utf8)) }
    static func matches(_ a: [UInt8], _ b: [UInt8]) -> Bool { WalletTokenDigest.equal(a, b) }
}
