public import HTTP1

/// Cross-origin resource sharing (Fetch standard §3.2): answers preflights and marks responses.
public struct CORSMiddleware: Middleware {
    /// Which origins may read responses.
    public enum AllowedOrigin: Sendable {
        /// `*` (no credentials).
        case all
        /// Exactly these origins, echoed back when they match.
        case list([String])
    }

    let origin: AllowedOrigin
    let methods: String
    let headers: String
    let exposedHeaders: String?
    let allowCredentials: Bool
    let maxAge: Int

    /// A CORS policy.
    public init(
        allowOrigin: AllowedOrigin = .all, allowMethods: [HTTPMethod] = [.get, .head, .post, .put, .patch, .delete],
        allowHeaders: [String] = ["Content-Type", "Authorization", "X-Request-ID", "X-Api-Key"],
        exposeHeaders: [String] = [], allowCredentials: Bool = false, maxAge: Int = 600
    ) {
        origin = allowOrigin
        methods = allowMethods.map(\.rawValue).joined(separator: ", ")
        headers = allowHeaders.joined(separator: ", ")
        exposedHeaders = exposeHeaders.isEmpty ? nil : exposeHeaders.joined(separator: ", ")
        self.allowCredentials = allowCredentials
        self.maxAge = maxAge
    }

    /// Answers preflights with 204; adds the allow headers to other responses from allowed origins.
    public func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        guard let requestOrigin = request.headers["Origin"], let allowed = allowedValue(for: requestOrigin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers.contains("Access-Control-Request-Method") {
            var response = Response(status: .noContent)
            addCommon(&response.headers, allowed)
            response.headers.add(name: "Access-Control-Allow-Methods", value: methods)
            response.headers.add(name: "Access-Control-Allow-Headers", value: headers)
            response.headers.add(name: "Access-Control-Max-Age", value: String(maxAge))
            return response
        }
        do {
            var response = try await next(request, context)
            addCommon(&response.headers, allowed)
            if let exposedHeaders { response.headers.add(name: "Access-Control-Expose-Headers", value: exposedHeaders) }
            return response
        } catch var error as HTTPError {
            addCommon(&error.headers, allowed)
            throw error
        }
    }

    func allowedValue(for requestOrigin: String) -> String? {
        switch origin {
        case .all: allowCredentials ? requestOrigin : "*"
        case .list(let origins): origins.contains(requestOrigin) ? requestOrigin : nil
        }
    }

    func addCommon(_ headers: inout HTTPHeaders, _ allowed: String) {
        headers.replaceOrAdd(name: "Access-Control-Allow-Origin", value: allowed)
        if allowed != "*" { headers.add(name: "Vary", value: "Origin") }
        if allowCredentials { headers.add(name: "Access-Control-Allow-Credentials", value: "true") }
    }
}
