import HTTPClient
import HTTPServer
import Logging
import Synchronization
import Testing
import TestSupport
import WebSocket

/// Connections outliving their server's shutdown (issue 14): a P2P node closes its peers while
/// its server stops, so a peer's `close` may run after the event loops ended. Every such call
/// must return — before the fix, their work was queued on a loop no thread drained any more and
/// the awaits hung for ever (a full parallel test run stalled with every task waiting).
@Suite(.timeLimit(.minutes(1))) struct WebSocketServerShutdownTests {
    @Test func aConnectionClosedAfterItsServerStoppedStillCloses() async throws {
        let router = Router()
        let opened = Recorder<Int>()
        let release = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let closed = Recorder<Int>()
        router.webSocket("/held") { _, _, connection in
            opened.append(1)
            // Held open until the test has stopped the server.
            await withCheckedContinuation { continuation in release.withLock { $0 = continuation } }
            await connection.close(code: .goingAway, reason: "shutting down")
            closed.append(Int(connection.closeStatus?.code.rawValue ?? 0))
        }
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        let server = HTTPServer(configuration: HTTPServerConfiguration(eventLoopThreads: 1), router: router, logger: logger)
        try await server.start()
        let port = try #require(server.port)
        let client = HTTPClient()
        let socket = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/held", client: client)
        #expect(await opened.wait(count: 1).count == 1)
        await server.shutdown(deadline: .milliseconds(200))
        // Wait until the handler is parked, then let it close on the stopped loop.
        var parked = false
        for _ in 0..<1_000 where !parked {
            parked = release.withLock { $0 != nil }
            if !parked { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(parked)
        release.withLock { $0.take() }?.resume()
        #expect(await closed.wait(count: 1).count == 1)
        await socket.close()
        await client.shutdown()
    }
}
