import Foundation
import HTTP1
@testable import HTTPClient
import HTTPServer
import JSON
import Testing

@Suite(.timeLimit(.minutes(1))) struct HTTPClientRoundTripTests {
    @Test func getPostPutDeleteWithJSON() async throws {
        let log = ConnectionLog()
        try await withTestServer(router: makeClientTestRouter(log: log)) { _, port in
            let client = HTTPClient()
            let base = "http://127.0.0.1:\(port)"
            let hello = try await client.get("\(base)/hello")
            #expect(hello.status == .ok)
            #expect(hello.text == "hello")
            let created = try await client.post("\(base)/json", json: Payload(name: "a", count: 1).json)
            #expect(created.status == .created)
            #expect(created.headers["Content-Type"] == "application/json")
            #expect(try Payload(json: created.json()) == Payload(name: "a", count: 2))
            let put = try await client.put("\(base)/json", json: Payload(name: "b", count: 2).json)
            #expect(try Payload(json: put.json()) == Payload(name: "b", count: 20))
            let wrongShape = try await client.post("\(base)/json", json: ["name": 1])
            #expect(wrongShape.status == .unprocessableContent)
            let deleted = try await client.delete("\(base)/thing")
            #expect(deleted.status == .noContent)
            #expect(deleted.body.isEmpty)
            #expect(throws: HTTPClientError.self) { try hello.json() }
            // NaN cannot be written as JSON: refused before anything is sent.
            await #expect(throws: HTTPClientError.self) { try await client.post("\(base)/json", json: .float(.nan)) }
            await client.shutdown()
        }
    }

    @Test func defaultHeadersHostAndUserAgentAreSent() async throws {
        let log = ConnectionLog()
        try await withTestServer(router: makeClientTestRouter(log: log)) { _, port in
            let client = HTTPClient()
            let response = try await client.get("http://localhost:\(port)/headers", headers: ["X-Test": "1"])
            let fields = try response.json()
            #expect(fields["host"] == .string("localhost:\(port)"))
            #expect(fields["agent"] == "aitbc-http-client/1")
            #expect(fields["x"] == "1")
            await client.shutdown()
        }
    }

    @Test func keepAliveReusesOneConnection() async throws {
        let log = ConnectionLog()
        try await withTestServer(router: makeClientTestRouter(log: log)) { _, port in
            let client = HTTPClient()
            for index in 0..<20 {
                let response = try await client.execute(HTTPClientRequest(
                    method: index.isMultiple(of: 2) ? .get : .post, url: "http://127.0.0.1:\(port)/\(index.isMultiple(of: 2) ? "hello" : "echo")",
                    body: index.isMultiple(of: 2) ? [] : [1, 2, 3]))
                #expect(response.status == .ok)
            }
            #expect(log.requests == 20)
            #expect(log.distinct == 1)
            await client.shutdown()
        }
    }

    @Test func concurrentRequestsStayWithinPerHostCap() async throws {
        let log = ConnectionLog()
        try await withTestServer(router: makeClientTestRouter(log: log)) { _, port in
            let client = HTTPClient(configuration: .init(maxConnectionsPerHost: 2))
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await client.get("http://127.0.0.1:\(port)/slow?ms=20").status.code }
                }
                for try await code in group { #expect(code == 200) }
            }
            #expect(log.requests == 12)
            #expect(log.distinct <= 2)
            await client.shutdown()
        }
    }

    @Test func connectionCloseResponseIsNotReused() async throws {
        let log = ConnectionLog()
        try await withTestServer(router: makeClientTestRouter(log: log)) { _, port in
            let client = HTTPClient()
            for _ in 0..<3 { 
                let value1 = try await client.get("http://127.0.0.1:\(port)/close")
                #expect(value1.text == "bye")
            }
            #expect(log.distinct == 3)
            await client.shutdown()
        }
    }

    @Test func chunkedResponseIsDechunked() async throws {
        let log = ConnectionLog()
        try await withTestServer(router: makeClientTestRouter(log: log)) { _, port in
            let client = HTTPClient()
            let response = try await client.get("http://127.0.0.1:\(port)/stream")
            #expect(response.headers["Transfer-Encoding"] == "chunked")
            #expect(response.text == "part0;part1;part2;")
            // The connection is still in sync for the next response.
            let value2 = try await client.get("http://127.0.0.1:\(port)/hello")
            #expect(value2.text == "hello")
            #expect(log.distinct == 1)
            await client.shutdown()
        }
    }

    @Test func headAndNoContentHaveNoBodyAndKeepTheConnection() async throws {
        let log = ConnectionLog()
        try await withTestServer(router: makeClientTestRouter(log: log)) { _, port in
            let client = HTTPClient()
            let head = try await client.execute(HTTPClientRequest(method: .head, url: "http://127.0.0.1:\(port)/big?size=1000"))
            #expect(head.status == .ok)
            #expect(head.headers["Content-Length"] == "1000")
            #expect(head.body.isEmpty)
            let empty = try await client.get("http://127.0.0.1:\(port)/empty")
            #expect(empty.status == .noContent)
            #expect(empty.body.isEmpty)
            let value3 = try await client.get("http://127.0.0.1:\(port)/hello")
            #expect(value3.text == "hello")
            #expect(log.distinct == 1)
            await client.shutdown()
        }
    }

    @Test func largeBodiesRoundTrip() async throws {
        let log = ConnectionLog()
        let size = 6 * 1024 * 1024
        try await withTestServer(router: makeClientTestRouter(log: log), limits: HTTPParserLimits(maxBodySize: 8 * 1024 * 1024)) { _, port in
            let client = HTTPClient()
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let echoed = try await client.post("http://127.0.0.1:\(port)/echo", body: payload)
            #expect(echoed.body.count == size)
            #expect(echoed.body == payload)
            let big = try await client.get("http://127.0.0.1:\(port)/big?size=\(size)")
            #expect(big.body.count == size)
            await client.shutdown()
        }
    }

    @Test func responseLargerThanLimitIsRefused() async throws {
        let log = ConnectionLog()
        try await withTestServer(router: makeClientTestRouter(log: log)) { _, port in
            let client = HTTPClient(configuration: .init(maxResponseBodySize: 1000))
            await #expect(throws: HTTPClientError.responseTooLarge(limit: 1000)) {
                try await client.get("http://127.0.0.1:\(port)/big?size=5000")
            }
            let value4 = try await client.get("http://127.0.0.1:\(port)/big?size=1000")
            #expect(value4.body.count == 1000)
            await client.shutdown()
        }
    }

    @Test func ipv6LiteralWorks() async throws {
        let log = ConnectionLog()
        try await withTestServer(host: "::1", router: makeClientTestRouter(log: log)) { _, port in
            let client = HTTPClient()
            let value5 = try await client.get("http://[::1]:\(port)/hello")
            #expect(value5.text == "hello")
            await client.shutdown()
        }
    }

    @Test func shutdownClientRefusesRequests() async throws {
        let client = HTTPClient()
        await client.shutdown()
        await #expect(throws: HTTPClientError.shutdown) { try await client.get("http://127.0.0.1:1/") }
    }
}

/// A cancelled request must never abort a connection it already handed back to the pool: the
/// cancel handler and the exchange race for the socket, and exactly one of them wins.
@Suite struct SocketClaimTests {
    @Test func exactlyOneTakerWins() async {
        for _ in 0..<200 {
            let claim = SocketClaim()
            let wins = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 { group.addTask { claim.take() } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
        }
    }
}
