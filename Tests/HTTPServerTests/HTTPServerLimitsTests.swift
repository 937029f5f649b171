import Foundation
import HTTP1
import HTTPServer
import TestSupport
import Testing

/// Every limit answers with its own status over a real socket, then closes.
@Suite struct HTTPServerLimitsTests {
    static let small = HTTPServerConfiguration(
        limits: HTTPParserLimits(maxRequestLineLength: 128, maxHeaderBytes: 512, maxHeaderCount: 8, maxBodySize: 64),
        eventLoopThreads: 1)

    /// Sends `request` and expects `status`, then a close.
    func expectStatus(_ request: String, _ status: Int, configuration: HTTPServerConfiguration = small) async throws {
        let body = try await withServer(configuration) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == status, "\(request.prefix(40))")
            #expect(response.headers["Connection"] == "close")
            #expect(try client.waitForClose())
            return response.text
        }
        #expect(body.contains(#""error":{"code""#))
    }

    @Test func bodyTooLargeIsRefusedWith413BeforeReadingIt() async throws {
        // The body is never sent: the answer comes from the head alone.
        try await expectStatus("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 65\r\n\r\n", 413)
    }

    @Test func chunkedBodyTooLargeIs413() async throws {
        try await expectStatus("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n", 413)
    }

    @Test func uriTooLongIs414() async throws {
        try await expectStatus("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414)
    }

    @Test func headersTooLargeIs431() async throws {
        try await expectStatus("GET / HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "v", count: 600) + "\r\n\r\n", 431)
    }

    @Test func tooManyHeadersIs431() async throws {
        try await expectStatus("GET / HTTP/1.1\r\nHost: t\r\n" + (0..<10).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431)
    }

    @Test func smugglingIs400() async throws {
        try await expectStatus(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    }

    @Test func missingHostIs400() async throws {
        try await expectStatus("GET /hello HTTP/1.1\r\n\r\n", 400)
    }

    @Test func unknownMethodIs501() async throws {
        try await expectStatus("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", 501)
    }

    @Test func unknownTransferCodingIs501() async throws {
        try await expectStatus("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)
    }

    @Test func unsupportedVersionIs505() async throws {
        try await expectStatus("GET /hello HTTP/2.0\r\nHost: t\r\n\r\n", 505)
    }

    @Test func errorAfterValidPipelinedRequestComesSecond() async throws {
        try await withServer(Self.small) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\nBad Header: 1\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
            #expect(try client.readResponse().status == 400)
            #expect(try client.waitForClose())
        }
    }

    @Test func slowlorisHeadTimesOutWith408() async throws {
        var configuration = Self.small
        configuration.headerReadTimeout = .milliseconds(300)
        try await withServer(configuration) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n")
            Thread.sleep(forTimeInterval: 0.15)
            try client.send("X-Drip: 1\r\n")
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(try client.waitForClose())
        }
    }

    @Test func silentConnectionTimesOutWith408() async throws {
        var configuration = Self.small
        configuration.headerReadTimeout = .milliseconds(200)
        try await withServer(configuration) { _, port in
            let client = try HTTPTestConnection(port: port)
            #expect(try client.readResponse().status == 408)
        }
    }

    @Test func slowBodyTimesOutWith408() async throws {
        var configuration = Self.small
        configuration.bodyReadTimeout = .milliseconds(200)
        try await withServer(configuration) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            #expect(try client.readResponse().status == 408)
            #expect(try client.waitForClose())
        }
    }

    @Test func idleKeepAliveConnectionIsClosed() async throws {
        var configuration = Self.small
        configuration.idleTimeout = .milliseconds(200)
        try await withServer(configuration) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
            // Closed silently: no 408 for a connection between requests.
            #expect(try client.readUntilClosed().isEmpty)
        }
    }

    @Test func connectionsPastTheLimitGet503() async throws {
        var configuration = Self.small
        configuration.maxConnections = 2
        try await withServer(configuration) { server, port in
            let first = try HTTPTestConnection(port: port)
            let second = try HTTPTestConnection(port: port)
            try first.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            try second.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try first.readResponse().status == 200)
            #expect(try second.readResponse().status == 200)
            let third = try HTTPTestConnection(port: port)
            try third.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let refused = try third.readResponse()
            #expect(refused.status == 503)
            #expect(refused.text.contains("TOO_MANY_CONNECTIONS"))
            #expect(try third.waitForClose())
            #expect(server.connectionCount == 2)
        }
    }
}

@Suite struct HTTPServerBackpressureTests {
    @Test func clientThatNeverReadsIsEventuallyClosedWithBoundedOutput() async throws {
        let router = makeTestRouter()
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 512 * 1024)
        router.get("/big") { _, _ in Response(body: .bytes(big)) }
        var configuration = HTTPServerConfiguration(eventLoopThreads: 1)
        configuration.idleTimeout = .milliseconds(300)
        configuration.maxPipelinedRequests = 4
        try await withServer(configuration, router: router) { server, port in
            let client = try HTTPTestConnection(port: port)
            // Many pipelined requests for large bodies, never reading the answers.
            for _ in 0..<40 { try? client.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n") }
            // The stall clock only starts once the kernel refuses bytes; on a loaded 2-core CI
            // machine filling the loopback buffers takes seconds, so allow up to 30 s.
            var waited = 0
            while server.connectionCount > 0, waited < 600 {
                Thread.sleep(forTimeInterval: 0.05)
                waited += 1
            }
            #expect(server.connectionCount == 0)
        }
    }
}
