import Foundation
import HTTP1
import HTTPServer
import Logging
import Synchronization
import TestSupport
import Testing
import WebSocket

@Suite struct HTTPServerUpgradeAndShutdownTests {
    static func upgradeRouter() -> Router {
        let router = makeTestRouter()
        router.get("/echo-upgrade") { _, _ in
            .switchingProtocols(headers: ["Upgrade": "echo", "Connection": "Upgrade"]) { stream in
                while let bytes = try? await stream.read() {
                    if bytes == Array("quit".utf8) { break }
                    try? await stream.write(Array("echo:".utf8) + bytes)
                }
            }
        }
        router.get("/no-upgrade") { _, _ in .text("plain") }
        return router
    }

    @Test func upgradeHandsTheSocketToTheHandler() async throws {
        try await withServer(router: Self.upgradeRouter()) { _, port in
            let client = try HTTPTestConnection(port: port)
            // The first protocol bytes travel in the same packet as the request: they must not be lost.
            try client.send("GET /echo-upgrade HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nfirst")
            let switching = try client.readResponse()
            #expect(switching.status == 101)
            #expect(switching.headers["Upgrade"] == "echo")
            #expect(switching.headers["Content-Length"] == nil)
            var received: [UInt8] = []
            while received.count < "echo:first".utf8.count {
                let more = try client.readAvailable()
                if more.isEmpty { break }
                received += more
            }
            #expect(String(decoding: received, as: UTF8.self) == "echo:first")
            try client.send("second")
            var second: [UInt8] = []
            while second.count < "echo:second".utf8.count {
                let more = try client.readAvailable()
                if more.isEmpty { break }
                second += more
            }
            #expect(String(decoding: second, as: UTF8.self) == "echo:second")
            try client.send("quit")
            #expect(try client.waitForClose())
        }
    }

    @Test func upgradeRequestAnsweredNormallyKeepsHTTP() async throws {
        try await withServer(router: Self.upgradeRouter()) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /no-upgrade HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "plain")
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func gracefulShutdownDrainsInFlightRequest() async throws {
        var logger = Logger(label: "test.shutdown")
        logger.logLevel = .critical
        let server = HTTPServer(configuration: HTTPServerConfiguration(eventLoopThreads: 1), router: makeTestRouter(), logger: logger)
        try await server.start()
        let port = try #require(server.port)
        let started = Mutex(false)
        async let slowResult = blocking { () throws -> (Int, String, String?) in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /slow?ms=1500 HTTP/1.1\r\nHost: t\r\n\r\n")
            started.withLock { $0 = true }
            let response = try client.readResponse()
            return (response.status, response.text, response.headers["Connection"])
        }
        let idle = await blocking { () throws -> HTTPTestConnection in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
            return client
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(100))
        let runner = Task { try await server.run() }
        await server.shutdown(deadline: .seconds(5))
        let (status, text, connection) = try await slowResult.get()
        #expect(status == 200)
        #expect(text == "slow done")
        #expect(connection == "close")
        let idleClient = try idle.get()
        #expect(try idleClient.waitForClose())
        #expect(throws: (any Error).self) { _ = try HTTPTestConnection(port: port) }
        try await runner.value
        #expect(server.connectionCount == 0)
    }

    @Test func concurrentShutdownsBothWaitForTheEnd() async throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(eventLoopThreads: 1), router: makeTestRouter(), logger: Logger(label: "t"))
        try await server.start()
        let port = try #require(server.port)
        let client = try HTTPTestConnection(port: port)
        try client.send("GET /slow?ms=200 HTTP/1.1\r\nHost: t\r\n\r\n")
        try await Task.sleep(for: .milliseconds(50))
        async let first: Void = server.shutdown(deadline: .seconds(5))
        async let second: Void = server.shutdown(deadline: .seconds(5))
        _ = await (first, second)
        #expect(server.connectionCount == 0)
        let response = await blocking { try client.readResponse() }
        #expect(try response.get().text == "slow done")
    }

    @Test func shutdownBeforeStartReturns() async {
        let server = HTTPServer(router: Router(), logger: Logger(label: "t"))
        await server.shutdown()
    }

    /// Set once, read by the test: the stuck handler has started.
    final class Started: Sendable {
        let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
    }

    @Test func shutdownDeadlineClosesStuckRequests() async throws {
        let router = makeTestRouter()
        let started = Started()
        let released = Started()
        router.get("/stuck") { _, _ in
            started.value.withLock { $0 = true }
            // Stuck until the test is done (a fixed 5 s sleep could end first when a parallel run
            // delayed the drain's deadline by as long, and the answer then arrived).
            for _ in 0..<6_000 where !released.isSet { try await Task.sleep(for: .milliseconds(10)) }
            return .text("stuck done")
        }
        let server = HTTPServer(configuration: HTTPServerConfiguration(eventLoopThreads: 1), router: router, logger: Logger(label: "t"))
        try await server.start()
        let port = try #require(server.port)
        let client = try HTTPTestConnection(port: port)
        try client.send("GET /stuck HTTP/1.1\r\nHost: t\r\n\r\n")
        // The request must be in its handler when the drain starts (a fixed sleep was not
        // enough on a loaded machine: the request was read during the drain and answered 503).
        for _ in 0..<500 where !started.isSet { try await Task.sleep(for: .milliseconds(10)) }
        #expect(started.isSet)
        await server.shutdown(deadline: .milliseconds(200))
        let result = await blocking { try client.readUntilClosed() }
        released.value.withLock { $0 = true }
        #expect(try result.get().isEmpty)
    }
}
