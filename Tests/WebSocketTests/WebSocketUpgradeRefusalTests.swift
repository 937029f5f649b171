import HTTP1
import HTTPServer
import Testing
import TestSupport
import WebSocket

/// Black-box review (issue 11): an upgrade over HTTP/1.0, or one carrying a body, was answered
/// 101. RFC 6455 §4.1 makes the opening handshake an HTTP/1.1 GET with no content.
@Suite struct WebSocketUpgradeRefusalTests {
    static let upgradeFields =
        "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"

    static func router() -> Router {
        let router = Router()
        router.webSocket("/ws", handler: echoHandler())
        return router
    }

    /// Sends `request` and returns what came back, on a thread of its own: the blocking read
    /// must not hold one of the cooperative pool's threads, which the route's handler needs.
    static func exchange(_ request: String, port: Int, whole: Bool = true) async -> String {
        await onOwnThread { () -> String in
            do {
                let connection = try HTTPTestConnection(port: port)
                try connection.send(request)
                if !whole { return String(decoding: try connection.readAvailable(), as: UTF8.self) }
                let response = try connection.readResponse()
                return "\(response.status) " + String(decoding: response.body, as: UTF8.self)
            } catch {
                return "failed: \(error)"
            }
        }
    }

    @Test func anHTTP10UpgradeIsRefused() async throws {
        try await withWebSocketServer(router: Self.router()) { port in
            let answer = await Self.exchange("GET /ws HTTP/1.0\r\n\(Self.upgradeFields)\r\n", port: port)
            #expect(answer.hasPrefix("400 ") && answer.contains("requires HTTP/1.1"), "\(answer)")
        }
    }

    @Test func anUpgradeWithABodyIsRefused() async throws {
        try await withWebSocketServer(router: Self.router()) { port in
            let answer = await Self.exchange("GET /ws HTTP/1.1\r\n\(Self.upgradeFields)Content-Length: 5\r\n\r\nhello", port: port)
            #expect(answer.hasPrefix("400 ") && answer.contains("must not carry a body"), "\(answer)")
        }
    }

    @Test func aPlainHTTP11UpgradeStillSwitches() async throws {
        try await withWebSocketServer(router: Self.router()) { port in
            let head = await Self.exchange("GET /ws HTTP/1.1\r\n\(Self.upgradeFields)\r\n", port: port, whole: false)
            #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
        }
    }
}
