import Foundation
import HTTP1
import HTTPServer
import JSON
import Logging

/// The routes most tests share.
func makeTestRouter() -> Router {
    let router = Router()
    router.get("/hello") { _, _ in .text("hello") }
    router.post("/echo") { request, _ in
        Response(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: .bytes(request.body))
    }
    router.get("/v1/jobs/{job_id}/result") { _, context in
        let id = try context.parameters.require("job_id")
        return .json(["job_id": .string(id)])
    }
    router.get("/items/{n}") { _, context in
        let n = try context.parameters.require("n", as: Int.self)
        return .text(String(n * 2))
    }
    router.get("/search") { request, _ in
        .text("\(request.query["q"] ?? "-")|\(try request.query.get("limit", as: Int.self) ?? 0)")
    }
    router.put("/thing") { _, _ in .text("put") }
    router.get("/stream") { _, _ in
        Response(body: .stream { writer in
            for index in 0..<3 { try await writer.write(Array("part\(index);".utf8)) }
        })
    }
    router.get("/slow") { request, _ in
        let millis = Int(request.query["ms"] ?? "300") ?? 300
        try await Task.sleep(for: .milliseconds(millis))
        return .text("slow done")
    }
    router.get("/fail") { _, _ in
        throw HTTPError(.conflict, code: "JOB_CONFLICT", message: "already done", details: ["job_id": "j1"], extraMembers: [("detail", "already done")])
    }
    router.get("/crash") { _, _ in
        struct Secret: Error {}
        throw Secret()
    }
    router.post("/json") { request, _ in
        var payload = try TestPayload(json: request.json())
        payload.count += 1
        return .json(payload.json, status: .created)
    }
    let v1 = router.group("/v2")
    v1.get("/ping") { _, _ in .text("pong") }
    return router
}

/// The body `/json` takes and answers: `{"name": string, "count": integer}`.
struct TestPayload: Sendable {
    var name: String
    var count: Int

    /// - Throws: 422 when a member is missing or of the wrong type.
    init(json: JSONValue) throws(HTTPError) {
        guard let name = json["name"]?.stringValue, let count = json["count"]?.int64Value.flatMap({ Int(exactly: $0) }) else {
            throw HTTPError(.unprocessableContent, message: "expected {\"name\": string, \"count\": integer}")
        }
        self.name = name
        self.count = count
    }

    var json: JSONValue { ["name": .string(name), "count": .integer(JSONInteger(count))] }
}

/// Runs the blocking client code `body` against a started server, on its own thread so the
/// cooperative pool (two threads on a two-core machine) stays free for the server's handlers.
func withServer<T: Sendable>(
    _ configuration: HTTPServerConfiguration = HTTPServerConfiguration(eventLoopThreads: 2),
    router: Router = makeTestRouter(),
    _ body: @escaping @Sendable (HTTPServer, Int) throws -> T
) async throws -> T {
    var logger = Logger(label: "test.http")
    logger.logLevel = .critical
    let server = HTTPServer(configuration: configuration, router: router, logger: logger)
    try await server.start()
    let port = server.port ?? 0
    let result = await blocking { try body(server, port) }
    await server.shutdown(deadline: .seconds(2))
    return try result.get()
}

/// Runs blocking work on its own thread and awaits its result.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async -> Result<T, any Error> {
    await withCheckedContinuation { continuation in
        // A fresh thread: Dispatch's global queues share a CPU-sized thread pool with Swift tasks.
        let thread = Thread { continuation.resume(returning: Result { try work() }) }
        thread.start()
    }
}
