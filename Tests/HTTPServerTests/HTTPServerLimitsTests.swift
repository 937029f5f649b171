import Foundation
import HTTP1
import HTTPServer
import Sockets
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

    @Test func slowlyDrainedLargeResponseLetsThePipelinedNextOneStart() async throws {
        // A slow reader drains the large answer in many partial flushes; the one that empties the
        // buffer starts below the high-water mark. The request held behind it must still be answered.
        let router = makeTestRouter()
        // Several sizes, so that wherever the kernel's buffer sizes put the last partial flush,
        // one of them ends with less than the mark left to send.
        let sizes = (0..<8).map { 1024 * 1024 + $0 * 61 * 1024 }
        router.get("/big/{n}") { _, context in
            Response(body: .bytes([UInt8](repeating: UInt8(ascii: "y"), count: try context.parameters.require("n", as: Int.self))))
        }
        try await withServer(HTTPServerConfiguration(eventLoopThreads: 1), router: router) { _, port in
            // A small receive buffer set before connecting (so the window stays small) keeps each of
            // the server's flushes far below the 256 KiB mark.
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var size: Int32 = 8 * 1024
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&poller, 1, 5000)
            let client = Socket(adopting: SocketDescriptor(rawValue: fd))
            let requests = sizes.map { "GET /big/\($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined() + "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
            try client.descriptor.writeAll(Array(requests.utf8))
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let ending = Array("\r\n\r\nhello".utf8)
            // Before the fix the connection hung here for good: no timeout applies to a queued request.
            // The handlers run on the cooperative pool, which a parallel run shares with every suite:
            // the bound is generous, the passing case takes about a second.
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while !received.suffix(ending.count).elementsEqual(ending), ContinuousClock.now < deadline {
                let outcome = chunk.withUnsafeMutableBytes { raw in Result { () throws(SocketError) in try client.descriptor.read(into: raw) } }
                if case .success(.bytes(let count)) = outcome { received.append(contentsOf: chunk[0..<count]) }
                if case .success(.endOfFile) = outcome { break }
                Thread.sleep(forTimeInterval: 0.001)
            }
            #expect(received.count > sizes.reduce(0, +))
            #expect(received.suffix(ending.count).elementsEqual(ending))
        }
    }
}
