import HTTP1
public import Logging
public import Sockets

/// Per-request values passed beside the request through middleware to the handler.
public struct RequestContext: Sendable {
    /// The request id (from `X-Request-ID` when the request-id middleware accepted it, else generated).
    public var requestID: String
    /// The logger without request metadata; use `logger` for one that carries `request.id`.
    public var baseLogger: Logger
    /// Path parameters of the matched route, e.g. `job_id` for `/v1/jobs/{job_id}`.
    public var parameters: RouteParameters
    /// The matched route pattern (`/v1/jobs/{job_id}`), `nil` when nothing matched; a metrics label.
    public var route: String?
    /// The peer address.
    public var remoteAddress: SocketAddress?
    /// Who the request authenticated as, set by the service's authentication, if any.
    public var principal: RequestPrincipal?
    /// Whether the peer is still there (a long poll checks it before committing work).
    public var connection: ConnectionSignal

    /// Builds a context (the server does this; tests may too).
    public init(
        requestID: String, logger: Logger, parameters: RouteParameters = RouteParameters(), route: String? = nil,
        remoteAddress: SocketAddress? = nil, connection: ConnectionSignal = ConnectionSignal()
    ) {
        self.connection = connection
        self.requestID = requestID
        self.baseLogger = logger
        self.parameters = parameters
        self.route = route
        self.remoteAddress = remoteAddress
    }

    /// A logger carrying `request.id` metadata (built on access, so unused logging costs nothing).
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "request.id"] = .string(requestID)
        return logger
    }
}

/// Who a request authenticated as: a role and an id in the service's own words (the
/// coordinator's `client`/`miner`/`admin` and principal id). Never a key.
public struct RequestPrincipal: Sendable, Hashable, CustomStringConvertible {
    /// The role whose credentials were presented.
    public var role: String
    /// The stable, non-secret id behind the credentials.
    public var id: String

    /// A principal.
    public init(role: String, id: String) {
        self.role = role
        self.id = id
    }

    /// `role:id`.
    public var description: String { "\(role):\(id)" }
}

/// Decoded path parameters of the matched route.
public struct RouteParameters: Sendable, Sequence {
    var items: [(name: String, value: String)]

    /// No parameters.
    public init() { items = [] }

    /// Parameters from pairs (tests).
    public init(_ items: [(name: String, value: String)]) { self.items = items }

    /// The value of `name`.
    public subscript(name: String) -> String? { items.first { $0.name == name }?.value }

    /// The value of `name`, which the route pattern guarantees.
    /// - Throws: `HTTPError` 400 when missing (a route/handler mismatch).
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = self[name] else {
            throw HTTPError(.badRequest, code: "MISSING_PATH_PARAMETER", message: "path parameter '\(name)' is missing")
        }
        return value
    }

    /// The value of `name` converted to `T`.
    /// - Throws: `HTTPError` 400 when missing or not convertible.
    public func require<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws(HTTPError) -> T {
        let text = try require(name)
        guard let value = T(text) else {
            throw HTTPError(.badRequest, code: "INVALID_PATH_PARAMETER", message: "path parameter '\(name)' is not a valid \(T.self)")
        }
        return value
    }

    /// Iterates the pairs in pattern order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { items.makeIterator() }
}
