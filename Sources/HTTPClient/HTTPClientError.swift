public import HTTP1
public import Sockets
public import WebSocket

/// Why an HTTP client call failed; typed so callers can tell retryable transport failures from bad responses.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not `http://host[:port]/path` (or `ws://` for WebSocket), or its host is not a numeric IP / `localhost`.
    case invalidURL(String)
    /// A header name or value would break the request framing (CR, LF, or a non-token name).
    case invalidRequest(String)
    /// The TCP connection was not established within `connectTimeout`.
    case connectTimeout
    /// The whole response did not arrive within `readTimeout`.
    case readTimeout
    /// The server refused the connection (`ECONNREFUSED`); carries the errno.
    case connectionRefused(Int32)
    /// Another connect failure (unreachable network, …).
    case connectFailed(SocketError)
    /// The server closed the connection before a complete response.
    case connectionClosed
    /// A read or write failed (reset, broken pipe).
    case io(SocketError)
    /// The response violates HTTP/1.1 framing or a parser limit.
    case invalidResponse(HTTPParserError)
    /// The response body exceeds `maxResponseBodySize`.
    case responseTooLarge(limit: Int)
    /// The request body could not be encoded as JSON.
    case encodingFailed(String)
    /// The response body could not be decoded as the requested type.
    case decodingFailed(String)
    /// The server answered the WebSocket upgrade wrongly.
    case webSocketHandshake(WebSocketClientHandshakeError)
    /// The WebSocket connection could not start (zlib failed).
    case webSocket(WebSocketError)
    /// `shutdown()` was called.
    case shutdown
    /// The calling task was cancelled; the connection was closed, not reused.
    case cancelled

    /// A short explanation for logs.
    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid URL: \(url)"
        case .invalidRequest(let reason): "invalid request: \(reason)"
        case .connectTimeout: "connect timed out"
        case .readTimeout: "response not received in time"
        case .connectionRefused(let code): "connection refused (errno \(code))"
        case .connectFailed(let error): "connect failed: \(error)"
        case .connectionClosed: "connection closed before the response was complete"
        case .io(let error): "I/O error: \(error)"
        case .invalidResponse(let error): "invalid response: \(error)"
        case .responseTooLarge(let limit): "response body larger than \(limit) bytes"
        case .encodingFailed(let reason): "request encoding failed: \(reason)"
        case .decodingFailed(let reason): "response decoding failed: \(reason)"
        case .webSocketHandshake(let error): "WebSocket handshake failed: \(error)"
        case .webSocket(let error): "WebSocket failed: \(error)"
        case .shutdown: "client is shut down"
        case .cancelled: "request cancelled"
        }
    }

    /// Whether the failure happened before any request byte could reach the server.
    var isConnectFailure: Bool {
        switch self {
        case .connectTimeout, .connectionRefused, .connectFailed: true
        default: false
        }
    }
}
