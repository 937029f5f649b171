import HTTP1

/// An authentication hook: `authenticate` returns the principal, `nil` (→ 401) or throws its own `HTTPError`.
public struct AuthMiddleware: Middleware {
    let authenticate: @Sendable (Request, RequestContext) async throws -> RequestPrincipal?
    let skip: @Sendable (Request) -> Bool

    /// A middleware; requests for which `skip` is true (e.g. `/healthz`) pass unauthenticated.
    public init(
        skip: @escaping @Sendable (Request) -> Bool = { _ in false },
        authenticate: @escaping @Sendable (Request, RequestContext) async throws -> RequestPrincipal?
    ) {
        self.skip = skip
        self.authenticate = authenticate
    }

    /// Sets `context.principal` or answers 401.
    public func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        if skip(request) { return try await next(request, context) }
        guard let principal = try await authenticate(request, context) else {
            throw HTTPError(.unauthorized, code: "UNAUTHORIZED", message: "authentication required")
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}
