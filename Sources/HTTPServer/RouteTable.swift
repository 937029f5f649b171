import HTTP1
import Logging

/// An immutable snapshot of routes and middleware that answers requests.
struct RouteTable: Sendable {
    /// Static paths, looked up by exact path first (the common case, one hash).
    var staticRoutes: [String: [HTTPMethod: Route]] = [:]
    var dynamicRoutes: [Route] = []
    var middlewares: [any Middleware] = []

    mutating func add(_ route: Route) {
        if route.pattern.isStatic {
            staticRoutes[route.pattern.text, default: [:]][route.method] = route
        } else {
            dynamicRoutes.append(route)
        }
    }

    /// The route for `method` and `path`, with parameters; or the methods allowed on that path (405), or nothing (404).
    func match(method: HTTPMethod, path: Substring) -> (route: Route?, parameters: [(name: String, value: String)], allowed: [HTTPMethod]) {
        // HEAD is GET without the body (RFC 9110 §9.3.2).
        let lookup = method == .head ? HTTPMethod.get : method
        var allowed: [HTTPMethod] = []
        if let byMethod = staticRoutes[String(path)] {
            if let route = byMethod[method] ?? byMethod[lookup] { return (route, [], []) }
            allowed.append(contentsOf: byMethod.keys)
        }
        if !dynamicRoutes.isEmpty {
            let parts = path.split(separator: "/").map(String.init)
            for route in dynamicRoutes {
                guard let parameters = route.pattern.match(parts) else { continue }
                if route.method == method || route.method == lookup { return (route, parameters, []) }
                allowed.append(route.method)
            }
        }
        return (nil, [], allowed)
    }

    /// Routes, runs middleware and the handler, and maps errors to responses; never throws.
    func respond(to request: Request, context: RequestContext) async -> Response {
        var context = context
        let found = match(method: request.method, path: request.path)
        let terminal: HTTPHandler
        if let route = found.route {
            context.parameters = RouteParameters(found.parameters)
            context.route = route.pattern.text
            terminal = route.handler
        } else if !found.allowed.isEmpty {
            var methods = Set(found.allowed)
            if methods.contains(.get) { methods.insert(.head) }
            let allow = methods.map(\.rawValue).sorted().joined(separator: ", ")
            terminal = { _, _ in throw HTTPError(.methodNotAllowed, headers: ["Allow": allow]) }
        } else {
            terminal = { _, _ in throw HTTPError(.notFound, message: "no route for this path") }
        }
        do {
            return try await run(0, request, context, terminal)
        } catch let error as HTTPError {
            return error.response
        } catch {
            context.logger.error("unhandled handler error", metadata: ["error": "\(String(describing: type(of: error)))"])
            return HTTPError(.internalServerError).response
        }
    }

    func run(_ index: Int, _ request: Request, _ context: RequestContext, _ terminal: @escaping HTTPHandler) async throws -> Response {
        guard index < middlewares.count else { return try await terminal(request, context) }
        return try await middlewares[index].handle(request, context: context) { request, context in
            try await self.run(index + 1, request, context, terminal)
        }
    }
}
