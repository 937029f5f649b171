import Foundation
import HTTP1
import HTTPClient
import HTTPServer
import Sockets
import Synchronization
import Testing
import TestSupport
import WebSocket

@Suite(.timeLimit(.minutes(1))) struct WebSocketLoopbackTests {
    @Test(arguments: [false, true])
    func echoRoundTrip(deflate: Bool) async throws {
        let router = Router()
        let closes = Recorder<Int>()
        router.webSocket("/echo", deflate: PerMessageDeflateConfiguration(), handler: echoHandler(closes: closes))
        try await withWebSocketServer(router: router) { port in
            let client = HTTPClient()
            let ws = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/echo", deflate: deflate ? PerMessageDeflateConfiguration() : nil, client: client)
            #expect((ws.deflate != nil) == deflate)
            try ws.send(text: "hello")
            #expect(try await ws.receive() == .text("hello"))
            try ws.send(binary: [0, 1, 2, 255])
            #expect(try await ws.receive() == .binary([0, 1, 2, 255]))
            let large = String(repeating: "compressible block ", count: 20_000)
            try ws.send(text: large)
            #expect(try await ws.receive() == .text(large))
            await ws.close()
            #expect(ws.closeStatus?.code == .normalClosure)
            #expect(await closes.wait(count: 1) == [1000])
            await client.shutdown()
        }
    }

    @Test func subprotocolIsNegotiated() async throws {
        let router = Router()
        router.webSocket("/p", subprotocols: ["aitbc.v1"], handler: echoHandler())
        try await withWebSocketServer(router: router) { port in
            let ws = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/p", subprotocols: ["other", "aitbc.v1"])
            try ws.send(text: "x")
            #expect(try await ws.receive() == .text("x"))
            await ws.close()
        }
    }

    @Test func plainRequestsToAWebSocketRouteAreRefused() async throws {
        let router = Router()
        router.webSocket("/ws", handler: echoHandler())
        try await withWebSocketServer(router: router) { port in
            let client = HTTPClient()
            let plain = try await client.get("http://127.0.0.1:\(port)/ws")
            #expect(plain.status.code == 400)
            #expect(plain.text.contains("WEBSOCKET_UPGRADE_REFUSED"))
            let wrongVersion = try await client.get("http://127.0.0.1:\(port)/ws", headers: [
                "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version": "12",
            ])
            #expect(wrongVersion.status.code == 426)
            #expect(wrongVersion.headers["Sec-WebSocket-Version"] == "13")
            await client.shutdown()
        }
    }

    @Test func middlewareAuthenticatesBeforeTheUpgrade() async throws {
        let router = Router()
        router.add(middleware: ClosureMiddleware { request, context, next in
            guard request.headers["Authorization"] == "Bearer good" else { throw HTTPError(.unauthorized) }
            return try await next(request, context)
        })
        router.webSocket("/feed", handler: echoHandler())
        try await withWebSocketServer(router: router) { port in
            await #expect(throws: HTTPClientError.webSocketHandshake(.unexpectedStatus(401))) {
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/feed")
            }
            let ws = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/feed", headers: ["Authorization": "Bearer good"])
            try ws.send(text: "in")
            #expect(try await ws.receive() == .text("in"))
            await ws.close()
        }
    }

    @Test func unknownPathFailsTheHandshake() async throws {
        try await withWebSocketServer(router: Router()) { port in
            await #expect(throws: HTTPClientError.webSocketHandshake(.unexpectedStatus(404))) {
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/nothing")
            }
        }
    }

    @Test func broadcastReachesOneHundredLoopbackClients() async throws {
        let router = Router()
        let broadcaster = WebSocketBroadcaster()
        router.webSocket("/feed", deflate: PerMessageDeflateConfiguration()) { _, _, connection in
            let id = broadcaster.add(connection)
            // One receive loop per connection: pings and the close handshake need it.
            do { while try await connection.receive() != nil {} } catch {}
            broadcaster.remove(id)
        }
        try await withWebSocketServer(router: router) { port in
            let client = HTTPClient(configuration: .init(eventLoopThreads: 2))
            var sockets: [WebSocketConnection] = []
            for index in 0..<100 {
                sockets.append(try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/feed", deflate: index.isMultiple(of: 2) ? PerMessageDeflateConfiguration() : nil,
                    client: client))
            }
            let clock = ContinuousClock()
            let end = clock.now.advanced(by: .seconds(10))
            while broadcaster.count < 100, clock.now < end { try await Task.sleep(for: .milliseconds(5)) }
            #expect(broadcaster.count == 100)
            let result = broadcaster.broadcast(text: "block 42")
            #expect(result.delivered == 100)
            let received = try await withThrowingTaskGroup(of: WebSocketMessage?.self) { group in
                for ws in sockets { group.addTask { try await ws.receive() } }
                var messages: [WebSocketMessage?] = []
                for try await message in group { messages.append(message) }
                return messages
            }
            #expect(received.count == 100)
            #expect(received.allSatisfy { $0 == .text("block 42") })
            // Clients must be receiving to answer the close handshake, so close and receive concurrently.
            async let closing: Void = broadcaster.closeAll(code: .goingAway)
            let codes = await withTaskGroup(of: UInt16?.self) { group in
                for ws in sockets {
                    group.addTask {
                        _ = try? await ws.receive()
                        return ws.closeStatus?.code.rawValue
                    }
                }
                var codes: [UInt16?] = []
                for await code in group { codes.append(code) }
                return codes
            }
            await closing
            #expect(codes.count == 100)
            #expect(codes.allSatisfy { $0 == 1001 })
            await client.shutdown()
        }
    }

    @Test func clientCloseReturnsWhenThePeerNeverAnswers() async throws {
        // The server completes the handshake, then ignores everything: close() must end after
        // closeTimeout, which needs the client stream's close() to wake the pending read.
        let server = try ScriptedTCPServer { socket, _ in
            let head = ScriptedTCPServer.readHead(socket)
            let key = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                .map { $0.dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces) } ?? ""
            let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: \(WebSocketHandshake.acceptValue(forKey: key))\r\n\r\n"
            try? socket.writeAll(Array(response.utf8))
            Thread.sleep(forTimeInterval: 3)
            socket.close()
        }
        defer { server.stop() }
        let ws = try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(server.port)/", configuration: WebSocketConfiguration(closeTimeout: .milliseconds(200)))
        let reader = Task { try? await ws.receive() }
        try await Task.sleep(for: .milliseconds(20))
        await ws.close()
        #expect(ws.isClosed)
        _ = await reader.value
    }
}

@Suite(.timeLimit(.minutes(1))) struct ServerByteStreamCloseTests {
    /// A raw upgrade route whose handler runs `body` on the server's byte stream.
    static func rawUpgradeRouter(_ body: @escaping @Sendable (any ByteStream) async -> Void) -> Router {
        let router = Router()
        router.get("/raw") { _, _ in
            .switchingProtocols(headers: ["Upgrade": "test", "Connection": "Upgrade"], handler: body)
        }
        return router
    }

    /// Opens a raw client connection, sends the upgrade request and reads the 101 head; never reads again.
    /// The blocking socket calls run on their own thread: on the cooperative pool (two threads on a
    /// two-core machine) they would starve the server handler that must answer them.
    static func rawUpgrade(port: Int) async throws -> SocketDescriptor {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { () throws -> SocketDescriptor in
                    let socket = try SocketDescriptor.connect(to: try SocketAddress(host: "127.0.0.1", port: port))
                    try socket.writeAll(Array("GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n".utf8))
                    _ = try socket.readSome()
                    return socket
                })
            }
        }
    }

    @Test func closeWakesAPendingRead() async throws {
        let outcome = Recorder<String>()
        let router = Self.rawUpgradeRouter { stream in
            let reader = Task { () -> String in
                do { return try await stream.read() == nil ? "nil" : "bytes" } catch { return "error" }
            }
            try? await Task.sleep(for: .milliseconds(50))
            await stream.close()
            outcome.append(await reader.value)
        }
        try await withWebSocketServer(router: router) { port in
            let socket = try await Self.rawUpgrade(port: port)
            defer { socket.close() }
            #expect(await outcome.wait(count: 1) == ["nil"])
        }
    }

    @Test func closeWakesAWriteStuckBehindAPeerThatDoesNotRead() async throws {
        let outcome = Recorder<String>()
        let router = Self.rawUpgradeRouter { stream in
            let writer = Task { () -> String in
                do {
                    // Far more than the socket buffers hold: the write stays pending.
                    try await stream.write([UInt8](repeating: 0x61, count: 64 * 1024 * 1024))
                    return "written"
                } catch {
                    return "threw"
                }
            }
            try? await Task.sleep(for: .milliseconds(200))
            await stream.close()
            outcome.append(await writer.value)
        }
        try await withWebSocketServer(router: router) { port in
            let socket = try await Self.rawUpgrade(port: port)
            defer { socket.close() }
            #expect(await outcome.wait(count: 1) == ["threw"])
        }
    }
}
