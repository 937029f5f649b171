public import HTTP1
import Synchronization
public import WebSocket

/// Opens client WebSocket connections (RFC 6455 §4.1) over the HTTP client's sockets and event loops.
///
/// ```swift
/// let ws = try await WebSocketClient.connect(url: "ws://127.0.0.1:8080/v1/feed", deflate: .init())
/// try ws.send(text: "hello")
/// let reply = try await ws.receive()
/// await ws.close()
/// ```
public enum WebSocketClient {
    /// The client used when none is passed.
    static let defaultClient = HTTPClient()

    /// Connects, performs the opening handshake and returns the open connection.
    /// - Parameters:
    ///   - url: `ws://host[:port]/path?query` (no `wss://`: there is no TLS).
    ///   - headers: extra request headers (e.g. `Authorization`).
    ///   - configuration: limits of the WebSocket connection.
    ///   - deflate: permessage-deflate to offer, or `nil` for none.
    ///   - subprotocols: subprotocols to offer, most preferred first.
    ///   - client: whose event loops and connect/read timeouts are used (the handshake must finish within `readTimeout`).
    /// - Throws: `HTTPClientError` — connect failures, `.webSocketHandshake` for a refused or wrong upgrade.
    public static func connect(
        url: String, headers: HTTPHeaders = HTTPHeaders(), configuration: WebSocketConfiguration = WebSocketConfiguration(),
        deflate: PerMessageDeflateConfiguration? = nil, subprotocols: [String] = [], client: HTTPClient? = nil
    ) async throws(HTTPClientError) -> WebSocketConnection {
        let client = client ?? defaultClient
        let parsed = try HTTPClientURL(url, schemes: ["ws"])
        let handshake = WebSocketClientHandshake(subprotocols: subprotocols, deflate: deflate)
        var requestHeaders = headers
        for (name, value) in handshake.requestHeaders { requestHeaders.replaceOrAdd(name: name, value: value) }
        let request = HTTPClientRequest(method: .get, url: url, headers: requestHeaders)
        let bytes = try request.serialize(url: parsed, defaults: client.configuration.defaultHeaders)
        // An upgraded connection never returns to the pool: connect directly.
        let socket = try await client.connectUnpooled(parsed)
        let deadline = Deadline(after: client.configuration.readTimeout, socket: socket, error: .readTimeout)
        do throws(HTTPClientError) {
            let (head, leftover) = try await readHandshakeResponse(socket: socket, request: bytes, limits: client.configuration.parserLimits)
            if deadline.disarm() { throw HTTPClientError.readTimeout }
            let pairs = head.headers.map { (name: $0.name, value: $0.value) }
            let result: WebSocketClientHandshakeResult
            do {
                result = try handshake.verify(status: head.status.code, headers: pairs)
            } catch {
                throw HTTPClientError.webSocketHandshake(error)
            }
            let stream = ClientByteStream(socket: socket, prefix: leftover)
            do {
                return try WebSocketConnection(
                    stream: stream, role: .client, configuration: configuration, deflate: result.deflate,
                    compression: deflate ?? PerMessageDeflateConfiguration())
            } catch {
                throw HTTPClientError.webSocket(error)
            }
        } catch {
            let timedOut = deadline.disarm()
            socket.close()
            throw timedOut ? .readTimeout : error
        }
    }

    /// Sends the upgrade request and reads the response head; returns bytes read past it.
    static func readHandshakeResponse(
        socket: ClientSocket, request: [UInt8], limits: HTTPParserLimits
    ) async throws(HTTPClientError) -> (HTTPResponseHead, [UInt8]) {
        try await socket.write(request).get()
        var parser = HTTPResponseParser(limits: limits)
        parser.expectResponse(to: .get)
        var finalHead: HTTPResponseHead?
        while true {
            let event: HTTPResponseParserEvent?
            do {
                event = try parser.next()
            } catch {
                throw .invalidResponse(error)
            }
            switch event {
            case .head(let head):
                if head.status == .switchingProtocols { return (head, parser.takeBufferedBytes()) }
                if head.status.code >= 200 { finalHead = head }
            case .body:
                continue
            case .end:
                // A refusal (e.g. 401, 426): report its status once the whole response is in.
                if let finalHead { return (finalHead, []) }
            case nil:
                switch await socket.read() {
                case .success(let bytes?): parser.feed(bytes)
                case .success(nil): parser.finish()
                case .failure(let error): throw error
                }
            }
        }
    }
}

/// The client socket as a `ByteStream` for `WebSocketConnection`, starting with any bytes the
/// server sent right after its 101 response.
final class ClientByteStream: ByteStream {
    let socket: ClientSocket
    let prefix: Mutex<[UInt8]>

    init(socket: ClientSocket, prefix: [UInt8]) {
        self.socket = socket
        self.prefix = Mutex(prefix)
    }

    deinit { socket.close() }

    func read() async throws -> [UInt8]? {
        let early = prefix.withLock { bytes -> [UInt8] in
            let taken = bytes
            bytes = []
            return taken
        }
        if !early.isEmpty { return early }
        return try await socket.read().get()
    }

    func write(_ bytes: [UInt8]) async throws {
        try await socket.write(bytes).get()
    }

    func close() async {
        socket.close()
    }
}
