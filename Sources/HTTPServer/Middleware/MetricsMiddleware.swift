public import HTTP1

/// One finished request, for a metrics backend (ServiceRuntime plugs swift-metrics in).
public struct HTTPRequestMetrics: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The matched route pattern, or `nil` when no route matched (use one label for all of those).
    public var route: String?
    /// The response status code.
    public var status: Int
    /// Time from the start of this middleware to the response.
    public var duration: Duration
}

/// Times every request and reports it to a closure.
public struct MetricsMiddleware: Middleware {
    let record: @Sendable (HTTPRequestMetrics) -> Void

    /// A middleware calling `record` once per request.
    public init(record: @escaping @Sendable (HTTPRequestMetrics) -> Void) { self.record = record }

    /// Times `next` and reports.
    public func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(HTTPRequestMetrics(method: request.method, route: context.route, status: response.status.code, duration: ContinuousClock.now - start))
            return response
        } catch let error as HTTPError {
            record(HTTPRequestMetrics(method: request.method, route: context.route, status: error.status.code, duration: ContinuousClock.now - start))
            throw error
        } catch {
            record(HTTPRequestMetrics(method: request.method, route: context.route, status: 500, duration: ContinuousClock.now - start))
            throw error
        }
    }
}
