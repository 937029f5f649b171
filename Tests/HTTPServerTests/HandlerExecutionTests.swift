import Foundation
import HTTP1
import HTTPServer
import TestSupport
import Testing

/// The same behaviour whether handlers run on the global pool or on the event loop.
@Suite struct HandlerExecutionTests {
    static func mode(_ onEventLoop: Bool) -> HTTPServerConfiguration.HandlerExecution {
        onEventLoop ? .eventLoop : .globalPool
    }

    @Test(arguments: [false, true])
    func roundTripsPipeliningAndStreaming(onEventLoop: Bool) async throws {
        let configuration = HTTPServerConfiguration(eventLoopThreads: 2, handlerExecution: Self.mode(onEventLoop))
        try await withServer(configuration) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send(
                "GET /slow?ms=50 HTTP/1.1\r\nHost: t\r\n\r\nGET /stream HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                    + "GET /fail HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "slow done")
            #expect(try client.readResponse().text == "part0;part1;part2;")
            #expect(try client.readResponse().text == "ok")
            #expect(try client.readResponse().status == 409)
            for index in 0..<50 {
                try client.send("GET /items/\(index) HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse().text == String(index * 2))
            }
        }
    }

    @Test(arguments: [false, true])
    func manyConcurrentConnections(onEventLoop: Bool) async throws {
        let configuration = HTTPServerConfiguration(eventLoopThreads: 2, handlerExecution: Self.mode(onEventLoop))
        try await withServer(configuration) { _, port in
            let clients = try (0..<20).map { _ in try HTTPTestConnection(port: port) }
            for round in 0..<5 {
                for (index, client) in clients.enumerated() {
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\n\(String(format: "%03d%03d", index, round))")
                }
                for (index, client) in clients.enumerated() {
                    #expect(try client.readResponse().text == String(format: "%03d%03d", index, round))
                }
            }
        }
    }
}
