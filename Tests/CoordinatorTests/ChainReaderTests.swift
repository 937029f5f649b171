import Coordinator
import HTTP1
import HTTPServer
import JSON
import Logging
import TestSupport
import Testing

/// The explorer's block reads proxied to a chain node (a small fake of its RPC on loopback).
@Suite(.serialized) struct ChainReaderTests {
    typealias H = CoordinatorServerHarness

    /// A chain RPC with blocks 0...`head` (`GET /rpc/head`, `GET /rpc/blocks/{height}`).
    static func fakeChain(head: Int) async throws -> HTTPServer {
        let router = Router()
        router.get("/rpc/head") { _, _ in
            CoordinatorHTTP.json(["height": .integer(JSONInteger(head)), "hash": .string("h\(head)"), "timestamp": "2026-11-27T12:00:00Z", "tx_count": 0])
        }
        router.get("/rpc/blocks/{height}") { _, context in
            guard let height = Int(context.parameters["height"] ?? ""), (0...head).contains(height) else {
                throw HTTPError(.notFound, message: "block not found")
            }
            return CoordinatorHTTP.json([
                "height": .integer(JSONInteger(height)), "hash": .string("h\(height)"), "parent_hash": "p",
                "timestamp": "2026-11-27T12:00:00Z", "tx_count": .integer(JSONInteger(height % 3)), "state_root": .null,
            ])
        }
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(port: 0, eventLoopThreads: 1), router: router,
            logger: Logger(label: "fake-chain") { _ in SwiftLogNoOpLogHandler() })
        try await server.start()
        return server
    }

    @Test func blocksArePagedNewestFirstFromTheChainRPC() async throws {
        let chain = try await Self.fakeChain(head: 4)
        let chainPort = chain.port ?? 0
        try await H.with(configure: { $0.chainRPCURL = "http://127.0.0.1:\(chainPort)/" }) { server in
            let first = try await server.request("GET", "/v1/blocks?limit=2")
            #expect(first.status == 200)
            let page = try first.json()
            #expect(page["items"]?.arrayValue?.map { $0["height"] } == [4, 3])
            #expect(page["items"]?.arrayValue?.first?["txCount"] == 1)
            #expect(page["items"]?.arrayValue?.first?["hash"] == "h4")
            #expect(page["next_offset"] == 2)
            let last = try await server.request("GET", "/v1/explorer/blocks?limit=2&offset=4").json()
            #expect(last["items"]?.arrayValue?.map { $0["height"] } == [0])
            #expect(last["next_offset"] == .null)
            #expect(try await server.request("GET", "/v1/blocks?limit=51").status == 422)
            let transactions = try await server.request("GET", "/v1/transactions")
            #expect(transactions.status == 502)
            #expect(transactions.detail?.contains("no transactions listing") == true)
        }
        await chain.shutdown()
    }

    @Test func unreachableChainIs502WithoutEchoingTheURL() async throws {
        // A bound socket that never listens: refused, and no other server can take the port meanwhile.
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        try await H.with(configure: { $0.chainRPCURL = "http://127.0.0.1:\(port)" }) { server in
            let response = try await server.request("GET", "/v1/explorer/blocks")
            #expect(response.status == 502)
            #expect(response.errorCode == "CHAIN_UNAVAILABLE")
            #expect(response.detail?.contains("unreachable") == true)
            #expect(!response.text.contains("127.0.0.1:\(port)"))
        }
    }
}
