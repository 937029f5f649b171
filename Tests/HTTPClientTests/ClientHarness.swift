import Foundation
import HTTP1
import HTTPClient
import HTTPServer
import JSON
import Logging
import Sockets
import Synchronization
import TestSupport

/// Remote ports seen by the server: one per TCP connection the client opened.
final class ConnectionLog: Sendable {
    let ports = Mutex<[Int]>([])
    var distinct: Int { ports.withLock { Set($0).count } }
    var requests: Int { ports.withLock { $0.count } }
}

/// Routes for client tests; every request's peer port is logged.
func makeClientTestRouter(log: ConnectionLog) -> Router {
    let router = Router()
    router.add(middleware: ClosureMiddleware { request, context, next in
        log.ports.withLock { $0.append(request.remoteAddress?.port ?? -1) }
        return try await next(request, context)
    })
    router.get("/hello") { _, _ in .text("hello") }
    router.post("/echo") { request, _ in
        Response(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: .bytes(request.body))
    }
    router.get("/big") { request, _ in
        let size = Int(request.query["size"] ?? "0") ?? 0
        return Response(body: .bytes((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
    }
    router.get("/stream") { _, _ in
        Response(body: .stream { writer in
            for index in 0..<3 { try await writer.write(Array("part\(index);".utf8)) }
        })
    }
    router.get("/empty") { _, _ in Response(status: .noContent) }
    router.get("/headers") { request, _ in
        .json([
            "host": .string(request.headers["Host"] ?? ""), "agent": .string(request.headers["User-Agent"] ?? ""),
            "x": .string(request.headers["X-Test"] ?? ""),
        ])
    }
    router.post("/json") { request, _ in
        var payload = try Payload(json: request.json())
        payload.count += 1
        return .json(payload.json, status: .created)
    }
    router.put("/json") { request, _ in
        var payload = try Payload(json: request.json())
        payload.count *= 10
        return .json(payload.json)
    }
    router.delete("/thing") { _, _ in Response(status: .noContent) }
    router.get("/slow") { request, _ in
        try await Task.sleep(for: .milliseconds(Int(request.query["ms"] ?? "200") ?? 200))
        return .text("slow")
    }
    router.get("/close") { _, _ in Response(status: .ok, headers: ["Connection": "close"], body: .bytes(Array("bye".utf8))) }
    return router
}

/// The JSON body the `/json` routes exchange.
struct Payload: Sendable, Equatable {
    var name: String
    var count: Int

    init(name: String, count: Int) {
        self.name = name
        self.count = count
    }

    /// - Throws: 422 when a member is missing or of the wrong type.
    init(json: JSONValue) throws(HTTPError) {
        guard let name = json["name"]?.stringValue, let count = json["count"]?.int64Value.flatMap({ Int(exactly: $0) }) else {
            throw HTTPError(.unprocessableContent, message: "expected {\"name\": string, \"count\": integer}")
        }
        self.init(name: name, count: count)
    }

    var json: JSONValue { ["name": .string(name), "count": .integer(JSONInteger(count))] }
}

/// Starts a server on `host`:0 with `router`, runs `body`, stops the server.
func withTestServer<T: Sendable>(
    host: String = "127.0.0.1", router: Router, limits: HTTPParserLimits = HTTPParserLimits(),
    _ body: (HTTPServer, Int) async throws -> T
) async throws -> T {
    try await serving(router, configuration: HTTPServerConfiguration(host: host, limits: limits, eventLoopThreads: 2), body)
}

