import Foundation
import Glibc
import HTTP1
import HTTPClient
import HTTPServer
import Sockets
import Synchronization
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(1))) struct HTTPClientFailureTests {
    @Test func readTimeoutAgainstSilentServer() async throws {
        // Accepts (the kernel completes the handshake) and never answers.
        let server = try ScriptedTCPServer { socket, _ in
            _ = ScriptedTCPServer.readHead(socket)
            Thread.sleep(forTimeInterval: 3)
            socket.close()
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(readTimeout: .milliseconds(200)))
        await #expect(throws: HTTPClientError.readTimeout) { try await client.get("http://127.0.0.1:\(server.port)/") }
        await client.shutdown()
    }

    @Test func readTimeoutAgainstListenerThatNeverAccepts() async throws {
        let listener = try SocketDescriptor.listen(on: try SocketAddress(host: "127.0.0.1", port: 0))
        defer { listener.close() }
        let port = try listener.localAddress().port
        let client = HTTPClient(configuration: .init(readTimeout: .milliseconds(200)))
        await #expect(throws: HTTPClientError.readTimeout) { try await client.get("http://127.0.0.1:\(port)/") }
        await client.shutdown()
    }

    @Test func connectionRefusedCarriesErrno() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let client = HTTPClient()
        await #expect(throws: HTTPClientError.connectionRefused(ECONNREFUSED)) { try await client.get("\(refusing.url)/") }
        await client.shutdown()
    }

    @Test func connectTimeoutWhenTheAcceptQueueIsFull() async throws {
        // Backlog 0 and nobody accepting: once the queue is full, Linux drops further SYNs,
        // so the next connect stays pending until our timeout.
        let listener = try SocketDescriptor.listen(on: try SocketAddress(host: "127.0.0.1", port: 0), backlog: 0)
        defer { listener.close() }
        let port = try listener.localAddress().port
        var fillers: [Int32] = []
        defer { for fd in fillers { Glibc.close(fd) } }
        for _ in 0..<4 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fillers.append(fd)
        }
        try await Task.sleep(for: .milliseconds(50))
        let client = HTTPClient(configuration: .init(connectTimeout: .milliseconds(300), readTimeout: .seconds(5)))
        await #expect(throws: HTTPClientError.connectTimeout) { try await client.get("http://127.0.0.1:\(port)/") }
        await client.shutdown()
    }

    @Test func truncatedResponseIsReported() async throws {
        let server = try ScriptedTCPServer { socket, _ in
            _ = ScriptedTCPServer.readHead(socket)
            try? socket.writeAll(Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".utf8))
            socket.close()
        }
        defer { server.stop() }
        let client = HTTPClient()
        await #expect(throws: HTTPClientError.invalidResponse(.unexpectedEndOfStream)) { try await client.get("http://127.0.0.1:\(server.port)/") }
        await client.shutdown()
    }

    @Test func smugglingResponseIsRefused() async throws {
        let server = try ScriptedTCPServer { socket, _ in
            _ = ScriptedTCPServer.readHead(socket)
            try? socket.writeAll(Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8))
            Thread.sleep(forTimeInterval: 0.5)
            socket.close()
        }
        defer { server.stop() }
        let client = HTTPClient()
        await #expect(throws: HTTPClientError.invalidResponse(.contentLengthWithTransferEncoding)) {
            try await client.get("http://127.0.0.1:\(server.port)/")
        }
        await client.shutdown()
    }

    @Test func bodyUntilCloseIsRead() async throws {
        let server = try ScriptedTCPServer { socket, _ in
            _ = ScriptedTCPServer.readHead(socket)
            try? socket.writeAll(Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ".utf8))
            Thread.sleep(forTimeInterval: 0.05)
            try? socket.writeAll(Array("close".utf8))
            socket.close()
        }
        defer { server.stop() }
        let client = HTTPClient()
        let value1 = try await client.get("http://127.0.0.1:\(server.port)/")
        #expect(value1.text == "until close")
        await client.shutdown()
    }

    /// Each connection answers one request (its index as the body) with keep-alive, then the
    /// server closes it: the client's pooled connection goes stale.
    static func oneAnswerPerConnectionServer() throws -> ScriptedTCPServer {
        try ScriptedTCPServer { socket, index in
            _ = ScriptedTCPServer.readHead(socket)
            try? socket.writeAll(Array("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n\(index)".utf8))
            Thread.sleep(forTimeInterval: 0.05)
            socket.close()
        }
    }

    @Test func staleIdleConnectionIsReplacedTransparently() async throws {
        let server = try Self.oneAnswerPerConnectionServer()
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(maxConnectionsPerHost: 1))
        let value2 = try await client.get("http://127.0.0.1:\(server.port)/")
        #expect(value2.text == "0")
        try await Task.sleep(for: .milliseconds(150))
        let value3 = try await client.get("http://127.0.0.1:\(server.port)/")
        #expect(value3.text == "1")
        try await Task.sleep(for: .milliseconds(150))
        // A slot leaked by the replaced connection would make this wait forever with a cap of 1.
        let third = try await client.get("http://127.0.0.1:\(server.port)/")
        #expect(third.text == "2")
        #expect(server.acceptedCount == 3)
        await client.shutdown()
    }

    /// A pooled connection found closed before anything was written is replaced for any method:
    /// the POST goes out once, on the fresh connection.
    @Test func stalePooledConnectionIsReplacedForAPostToo() async throws {
        let server = try Self.oneAnswerPerConnectionServer()
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(maxConnectionsPerHost: 1))
        let url = "http://127.0.0.1:\(server.port)/"
        let first = try await client.execute(HTTPClientRequest(method: .post, url: url, body: Array("a".utf8)))
        #expect(first.text == "0")
        try await Task.sleep(for: .milliseconds(150))
        let second = try await client.execute(HTTPClientRequest(method: .post, url: url, body: Array("b".utf8)))
        #expect(second.text == "1")
        #expect(server.acceptedCount == 2)
        await client.shutdown()
    }

    @Test func headerInjectionIsRefused() async throws {
        let client = HTTPClient()
        await #expect(throws: HTTPClientError.invalidRequest("header value for X-Evil")) {
            try await client.get("http://127.0.0.1:1/", headers: ["X-Evil": "a\r\nInjected: 1"])
        }
        await client.shutdown()
    }

    @Test(arguments: ["ftp://127.0.0.1/", "http://example.com/", "http://127.0.0.1:99999/", "http://[::1/", "127.0.0.1:80", "http:///x"])
    func invalidURLsAreRefused(url: String) async {
        let client = HTTPClient()
        await #expect(throws: HTTPClientError.invalidURL(url)) { try await client.get(url) }
        await client.shutdown()
    }
}

@Suite(.timeLimit(.minutes(1))) struct HTTPClientRetryTests {
    static let fastRetry = HTTPClientRetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(20))

    /// A router whose `/flaky` fails with 503 `failures` times, then succeeds; counts calls.
    static func flakyRouter(failures: Int, counter: Counter, retryAfter: String? = nil) -> Router {
        let router = Router()
        let handler: HTTPHandler = { _, _ in
            let call = counter.calls.wrappingAdd(1, ordering: .relaxed).oldValue
            if call < failures {
                var headers = HTTPHeaders()
                if let retryAfter { headers.add(name: "Retry-After", value: retryAfter) }
                return Response(status: HTTPResponseStatus(code: 503), headers: headers)
            }
            return .text("ok after \(call)")
        }
        router.get("/flaky", handler: handler)
        router.post("/flaky", handler: handler)
        return router
    }

    final class Counter: Sendable { let calls = Atomic<Int>(0) }

    @Test func idempotentRequestIsRetriedUntilSuccess() async throws {
        let counter = Counter()
        try await withTestServer(router: Self.flakyRouter(failures: 2, counter: counter)) { _, port in
            let client = HTTPClient(configuration: .init(retry: Self.fastRetry))
            let response = try await client.get("http://127.0.0.1:\(port)/flaky")
            #expect(response.text == "ok after 2")
            #expect(counter.calls.load(ordering: .relaxed) == 3)
            await client.shutdown()
        }
    }

    @Test func retriesStopAtMaxAttempts() async throws {
        let counter = Counter()
        try await withTestServer(router: Self.flakyRouter(failures: 10, counter: counter, retryAfter: "100")) { _, port in
            // Retry-After: 100 s is capped at maxDelay.
            let client = HTTPClient(configuration: .init(retry: Self.fastRetry))
            let response = try await client.get("http://127.0.0.1:\(port)/flaky")
            #expect(response.status.code == 503)
            #expect(counter.calls.load(ordering: .relaxed) == 3)
            await client.shutdown()
        }
    }

    @Test func nonIdempotentPostIsNotRetried() async throws {
        let counter = Counter()
        try await withTestServer(router: Self.flakyRouter(failures: 2, counter: counter)) { _, port in
            let client = HTTPClient(configuration: .init(retry: Self.fastRetry))
            let response = try await client.post("http://127.0.0.1:\(port)/flaky", body: [1])
            #expect(response.status.code == 503)
            #expect(counter.calls.load(ordering: .relaxed) == 1)
            await client.shutdown()
        }
    }

    @Test func nonIdempotentPostIsRetriedWhenOptedIn() async throws {
        let counter = Counter()
        try await withTestServer(router: Self.flakyRouter(failures: 2, counter: counter)) { _, port in
            var policy = Self.fastRetry
            policy.retryNonIdempotent = true
            let client = HTTPClient(configuration: .init(retry: policy))
            let value4 = try await client.post("http://127.0.0.1:\(port)/flaky", body: [1])
            #expect(value4.text == "ok after 2")
            await client.shutdown()
        }
    }

    @Test func postWhoseBytesReachedTheServerIsNotRetriedAfterReset() async throws {
        let server = try ScriptedTCPServer { socket, _ in
            _ = ScriptedTCPServer.readHead(socket)
            ScriptedTCPServer.reset(socket)
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(retry: Self.fastRetry))
        await #expect(throws: HTTPClientError.self) { try await client.post("http://127.0.0.1:\(server.port)/", body: [1]) }
        #expect(server.acceptedCount == 1)
        await #expect(throws: HTTPClientError.self) { try await client.get("http://127.0.0.1:\(server.port)/") }
        // GET: three attempts.
        #expect(server.acceptedCount == 4)
        await client.shutdown()
    }

    @Test func connectFailuresAreRetriedForAnyMethod() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let client = HTTPClient(configuration: .init(retry: Self.fastRetry))
        await #expect(throws: HTTPClientError.connectionRefused(ECONNREFUSED)) { try await client.post("\(refusing.url)/", body: [1]) }
        await client.shutdown()
    }

    @Test func backoffUsesFullJitterUnderTheCapAndHonoursRetryAfter() {
        let policy = HTTPClientRetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        var generator = SeededGenerator(state: 42)
        for attempt in 1...8 {
            let ceiling = min(Duration.milliseconds(100) * (1 << (attempt - 1)), .seconds(1))
            for _ in 0..<50 {
                let delay = policy.delay(afterAttempt: attempt, using: &generator)
                #expect(delay >= .zero && delay <= ceiling)
            }
        }
        #expect(policy.delay(afterAttempt: 1, retryAfter: "0", using: &generator) == .zero)
        #expect(policy.delay(afterAttempt: 1, retryAfter: "30", using: &generator) == .seconds(1))
    }
}
