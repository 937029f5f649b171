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

    @Test func anHTTP10UpgradeIsRefused() async throws {
        try await withWebSocketServer(router: Self.router()) { port in
            let connection = try HTTPTestConnection(port: port)
            try connection.send("GET /ws HTTP/1.0\r\n\(Self.upgradeFields)\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 400)
            #expect(String(decoding: response.body, as: UTF8.self).contains("requires HTTP/1.1"))
        }
    }

    @Test func anUpgradeWithABodyIsRefused() async throws {
        try await withWebSocketServer(router: Self.router()) { port in
            let connection = try HTTPTestConnection(port: port)
            try connection.send("GET /ws HTTP/1.1\r\n\(Self.upgradeFields)Content-Length: 5\r\n\r\nhello")
            let response = try connection.readResponse()
            #expect(response.status == 400)
            #expect(String(decoding: response.body, as: UTF8.self).contains("must not carry a body"))
        }
    }

    @Test func aPlainHTTP11UpgradeStillSwitches() async throws {
        try await withWebSocketServer(router: Self.router()) { port in
            let connection = try HTTPTestConnection(port: port)
            try connection.send("GET /ws HTTP/1.1\r\n\(Self.upgradeFields)\r\n")
            let head = String(decoding: try connection.readAvailable(), as: UTF8.self)
            #expect(head.hasPrefix("HTTP/1.1 101"))
        }
    }
}
