public import HTTP1
import Synchronization

/// Routes by method and path pattern (`/v1/jobs/{job_id}/result`, `*` one segment, `**` the rest),
/// runs middleware around every request, and turns thrown errors into responses.
///
/// Configure routes and middleware before `HTTPServer.start()`; the server takes a snapshot then.
public final class Router: Sendable {
    let state = Mutex(RouteTable())

    /// An empty router.
    public init() {}

    /// Adds a middleware; they run in the order added, outermost first.
    public func add(middleware: some Middleware) {
        state.withLock { $0.middlewares.append(middleware) }
    }

    /// Adds a route.
    public func add(method: HTTPMethod, path: String, handler: @escaping HTTPHandler) {
        let pattern = RoutePattern(path)
        state.withLock { $0.add(Route(method: method, pattern: pattern, handler: handler)) }
    }

    /// Adds a GET route (HEAD is answered by it too, without a body).
    public func get(_ path: String, handler: @escaping HTTPHandler) { add(method: .get, path: path, handler: handler) }
    /// Adds a POST route.
    public func post(_ path: String, handler: @escaping HTTPHandler) { add(method: .post, path: path, handler: handler) }
    /// Adds a PUT route.
    public func put(_ path: String, handler: @escaping HTTPHandler) { add(method: .put, path: path, handler: handler) }
    /// Adds a DELETE route.
    public func delete(_ path: String, handler: @escaping HTTPHandler) { add(method: .delete, path: path, handler: handler) }
    /// Adds a PATCH route.
    public func patch(_ path: String, handler: @escaping HTTPHandler) { add(method: .patch, path: path, handler: handler) }

    /// A view that prefixes every route path with `prefix`.
    public func group(_ prefix: String) -> RouterGroup { RouterGroup(router: self, prefix: prefix) }

    /// The current routes and middleware as an immutable responder, middleware composed
    /// around each route once.
    func snapshot() -> RouteTable { state.withLock { $0 }.composed() }
}

/// Routes under a common path prefix.
public struct RouterGroup: Sendable {
    let router: Router
    let prefix: String

    /// Adds a route under the prefix.
    public func add(method: HTTPMethod, path: String, handler: @escaping HTTPHandler) {
        router.add(method: method, path: prefix + "/" + path, handler: handler)
    }

    /// Adds a GET route.
    public func get(_ path: String, handler: @escaping HTTPHandler) { add(method: .get, path: path, handler: handler) }
    /// Adds a POST route.
    public func post(_ path: String, handler: @escaping HTTPHandler) { add(method: .post, path: path, handler: handler) }
    /// Adds a PUT route.
    public func put(_ path: String, handler: @escaping HTTPHandler) { add(method: .put, path: path, handler: handler) }
    /// Adds a DELETE route.
    public func delete(_ path: String, handler: @escaping HTTPHandler) { add(method: .delete, path: path, handler: handler) }
    /// Adds a PATCH route.
    public func patch(_ path: String, handler: @escaping HTTPHandler) { add(method: .patch, path: path, handler: handler) }
    /// A nested group.
    public func group(_ path: String) -> RouterGroup { RouterGroup(router: router, prefix: prefix + "/" + path) }
}

/// One registered route.
struct Route: Sendable {
    let method: HTTPMethod
    let pattern: RoutePattern
    let handler: HTTPHandler
}
