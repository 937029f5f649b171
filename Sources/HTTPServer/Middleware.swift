/// A request handler: the end of the middleware chain.
public typealias HTTPHandler = @Sendable (Request, RequestContext) async throws -> Response

/// Code that wraps every request: inspect or change the request and context, call `next`,
/// inspect or change the response. Throwing an `HTTPError` answers with it.
public protocol Middleware: Sendable {
    /// Handles one request, usually by calling `next`.
    /// - Throws: any error; `HTTPError` becomes its response, anything else a bare 500.
    func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response
}

/// A middleware from a closure.
public struct ClosureMiddleware: Middleware {
    let body: @Sendable (Request, RequestContext, HTTPHandler) async throws -> Response

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable (Request, RequestContext, HTTPHandler) async throws -> Response) {
        self.body = body
    }

    /// Calls the closure.
    public func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        try await body(request, context, next)
    }
}
