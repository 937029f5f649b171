import HTTP1
import Logging

/// An immutable snapshot of routes and middleware that answers requests.
struct RouteTable: Sendable {
    /// Static paths, looked up by exact path first (the common case, one hash).
    var staticRoutes: [String: [HTTPMethod: Route]] = [:]
    var dynamicRoutes: [Route] = []
    var middlewares: [any Middleware] = []
    /// Every route's handler already runs inside the middleware chain (`composed()`).
    var handlersComposed = false

    mutating func add(_ route: Route) {
        // A composed table is the server's snapshot; a route added to it would skip the middleware.
        assert(!handlersComposed, "routes are added to the router, before the server starts")
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

    /// The same table with every route's handler wrapped in the middleware chain once, so a
    /// request does not build the chain's closures again (the server's snapshot).
    func composed() -> RouteTable {
        guard !handlersComposed else { return self }
        var table = self
        let wrap = { (route: Route) in Route(method: route.method, pattern: route.pattern, handler: Self.chain(middlewares, around: route.handler)) }
        table.staticRoutes = staticRoutes.mapValues { $0.mapValues(wrap) }
        table.dynamicRoutes = dynamicRoutes.map(wrap)
        table.handlersComposed = true
        return table
    }

    /// `terminal` inside `middlewares`, the first outermost.
    static func chain(_ middlewares: [any Middleware], around terminal: @escaping HTTPHandler) -> HTTPHandler {
        var handler = terminal
        for middleware in middlewares.reversed() {
            let next = handler
            handler = { request, context in try await middleware.handle(request, context: context, next: next) }
        }
        return handler
    }

    /// Routes, runs middleware and the handler, and maps errors to responses; never throws.
    func respond(to request: Request, context: RequestContext) async -> Response {
        var context = context
        let found = match(method: request.method, path: request.path)
        let handler: HTTPHandler
        if let route = found.route {
            context.parameters = RouteParameters(found.parameters)
            context.route = route.pattern.text
            handler = handlersComposed ? route.handler : Self.chain(middlewares, around: route.handler)
        } else if !found.allowed.isEmpty {
            var methods = Set(found.allowed)
            if methods.contains(.get) { methods.insert(.head) }
            let allow = methods.map(\.rawValue).sorted().joined(separator: ", ")
            handler = Self.chain(middlewares) { _, _ in throw HTTPError(.methodNotAllowed, headers: ["Allow": allow]) }
        } else {
            handler = Self.chain(middlewares) { _, _ in throw HTTPError(.notFound, message: "no route for this path") }
        }
        do {
            return try await handler(request, context)
        } catch let error as HTTPError {
            return error.response
        } catch {
            context.logger.error("unhandled handler error", metadata: ["error": "\(String(describing: type(of: error)))"])
            return HTTPError(.internalServerError).response
        }
    }
}
