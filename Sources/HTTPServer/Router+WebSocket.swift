import HTTP1
import Logging
public import WebSocket

/// Runs one accepted WebSocket connection; the connection is closed (1000) when it returns.
public typealias WebSocketRouteHandler = @Sendable (Request, RequestContext, WebSocketConnection) async -> Void

extension Router {
    /// Adds a WebSocket endpoint at `path` (a GET route, so middleware — authentication included —
    /// runs before the upgrade and can refuse it with an ordinary error response).
    ///
    /// The request is checked with `WebSocketHandshake` (RFC 6455 §4.2): a refusal answers its
    /// status (400, or 426 with `Sec-WebSocket-Version: 13`); an accepted one answers 101 and
    /// runs `handler` with a server-role `WebSocketConnection` over the connection's socket.
    public func webSocket(
        _ path: String, configuration: WebSocketConfiguration = WebSocketConfiguration(),
        deflate: PerMessageDeflateConfiguration? = nil, subprotocols: [String] = [],
        handler: @escaping WebSocketRouteHandler
    ) {
        get(path, handler: Self.webSocketHandler(configuration: configuration, deflate: deflate, subprotocols: subprotocols, handler: handler))
    }

    /// The HTTP handler behind a WebSocket route.
    static func webSocketHandler(
        configuration: WebSocketConfiguration, deflate: PerMessageDeflateConfiguration?, subprotocols: [String],
        handler: @escaping WebSocketRouteHandler
    ) -> HTTPHandler {
        let handshake = WebSocketHandshake(subprotocols: subprotocols, deflate: deflate)
        return { request, context in
            // RFC 6455 §4.1: the opening handshake is an HTTP/1.1 GET; an HTTP/1.0 client cannot
            // hold a persistent connection, and a body on the upgrade request is bytes no side
            // would read as frames.
            guard request.head.version.major > 1 || (request.head.version.major == 1 && request.head.version.minor >= 1) else {
                throw HTTPError(.badRequest, code: "WEBSOCKET_UPGRADE_REFUSED", message: "WebSocket upgrade requires HTTP/1.1")
            }
            guard request.body.isEmpty, request.headers["Transfer-Encoding"] == nil else {
                throw HTTPError(.badRequest, code: "WEBSOCKET_UPGRADE_REFUSED", message: "WebSocket upgrade request must not carry a body")
            }
            let pairs = request.headers.map { (name: $0.name, value: $0.value) }
            switch handshake.evaluate(method: request.method.rawValue, headers: pairs) {
            case .reject(let rejection):
                throw HTTPError(
                    HTTPResponseStatus(code: rejection.status), code: "WEBSOCKET_UPGRADE_REFUSED", message: rejection.reason,
                    headers: HTTPHeaders(rejection.headers.map { ($0.name, $0.value) }))
            case .accept(let acceptance):
                let headers = HTTPHeaders(acceptance.headers.map { ($0.name, $0.value) })
                return .switchingProtocols(headers: headers) { stream in
                    let connection: WebSocketConnection
                    do {
                        connection = try WebSocketConnection(
                            stream: stream, role: .server, configuration: configuration, deflate: acceptance.deflate,
                            compression: deflate ?? PerMessageDeflateConfiguration())
                    } catch {
                        context.logger.warning("websocket start failed", metadata: ["error": "\(error)"])
                        return
                    }
                    await handler(request, context, connection)
                    if !connection.isClosed { await connection.close() }
                }
            }
        }
    }
}

extension RouterGroup {
    /// Adds a WebSocket endpoint under the group's prefix; see `Router.webSocket(_:configuration:deflate:subprotocols:handler:)`.
    public func webSocket(
        _ path: String, configuration: WebSocketConfiguration = WebSocketConfiguration(),
        deflate: PerMessageDeflateConfiguration? = nil, subprotocols: [String] = [],
        handler: @escaping WebSocketRouteHandler
    ) {
        router.webSocket(prefix + "/" + path, configuration: configuration, deflate: deflate, subprotocols: subprotocols, handler: handler)
    }
}
