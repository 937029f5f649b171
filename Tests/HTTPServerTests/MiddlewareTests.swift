import HTTP1
import HTTPServer
import Logging
import Synchronization
import TestSupport
import Testing

@Suite struct MiddlewareTests {
    @Test func requestIDIsGeneratedOrTakenFromTheClient() async throws {
        let router = makeTestRouter()
        router.add(middleware: RequestIDMiddleware())
        router.get("/id") { _, context in .text(context.requestID) }
        try await withServer(router: router) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /id HTTP/1.1\r\nHost: t\r\n\r\n")
            let generated = try client.readResponse()
            #expect(!generated.text.isEmpty)
            #expect(generated.headers["X-Request-ID"] == generated.text)
            try client.send("GET /id HTTP/1.1\r\nHost: t\r\nX-Request-ID: abc-123\r\n\r\n")
            #expect(try client.readResponse().text == "abc-123")
            try client.send("GET /missing HTTP/1.1\r\nHost: t\r\nX-Request-ID: e-1\r\n\r\n")
            #expect(try client.readResponse().headers["X-Request-ID"] == "e-1")
        }
    }

    @Test func corsAnswersPreflightAndMarksResponses() async throws {
        let router = makeTestRouter()
        router.add(middleware: CORSMiddleware(allowOrigin: .list(["https://app.example"])))
        try await withServer(router: router) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("OPTIONS /echo HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n\r\n")
            let preflight = try client.readResponse()
            #expect(preflight.status == 204)
            #expect(preflight.headers["Access-Control-Allow-Origin"] == "https://app.example")
            #expect(preflight.headers["Access-Control-Allow-Methods"]?.contains("POST") == true)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example\r\n\r\n")
            #expect(try client.readResponse().headers["Access-Control-Allow-Origin"] == "https://app.example")
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\nOrigin: https://evil.example\r\n\r\n")
            #expect(try client.readResponse().headers["Access-Control-Allow-Origin"] == nil)
        }
    }

    @Test func metricsHookSeesRouteStatusAndDuration() async throws {
        let recorded = Mutex<[HTTPRequestMetrics]>([])
        let router = makeTestRouter()
        router.add(middleware: MetricsMiddleware { metrics in recorded.withLock { $0.append(metrics) } })
        try await withServer(router: router) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /v1/jobs/7/result HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
            try client.send("GET /fail HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
            try client.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
        }
        let all = recorded.withLock { $0 }
        #expect(all.map(\.route) == ["/v1/jobs/{job_id}/result", "/fail", nil])
        #expect(all.map(\.status) == [200, 409, 404])
        #expect(all.allSatisfy { $0.duration >= .zero })
    }

    @Test func authHookSetsPrincipalOrAnswers401() async throws {
        let router = makeTestRouter()
        router.add(middleware: AuthMiddleware(skip: { $0.path == "/hello" }) { request, _ in
            request.headers["X-Api-Key"] == "secret" ? RequestPrincipal(role: "client", id: "client-1") : nil
        })
        router.get("/me") { _, context in .text(context.principal?.description ?? "-") }
        try await withServer(router: router) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /me HTTP/1.1\r\nHost: t\r\n\r\n")
            let denied = try client.readResponse()
            #expect(denied.status == 401)
            #expect(denied.text.contains("UNAUTHORIZED"))
            try client.send("GET /me HTTP/1.1\r\nHost: t\r\nX-Api-Key: secret\r\n\r\n")
            #expect(try client.readResponse().text == "client:client-1")
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func accessLogWritesOneLinePerRequest() async throws {
        let lines = CapturedLogs()
        let router = makeTestRouter()
        router.add(middleware: AccessLogMiddleware())
        let logger = lines.logger("test.access")
        let server = HTTPServer(configuration: HTTPServerConfiguration(eventLoopThreads: 1), router: router, logger: logger)
        try await server.start()
        let port = server.port ?? 0
        let result = await blocking {
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            return try client.readResponse().status
        }
        await server.shutdown()
        #expect(try result.get() == 200)
        let access = lines.all.filter { $0.contains("path=/hello") }
        #expect(access.count == 1)
        #expect(access.first?.contains("status=200") == true)
        #expect(access.first?.contains("request.id=") == true)
    }

    @Test func middlewareRunsInOrderAroundTheHandler() async throws {
        let router = Router()
        router.add(middleware: ClosureMiddleware { request, context, next in
            var response = try await next(request, context)
            response.headers.add(name: "X-Order", value: "outer")
            return response
        })
        router.add(middleware: ClosureMiddleware { request, context, next in
            var response = try await next(request, context)
            response.headers.add(name: "X-Order", value: "inner")
            return response
        })
        router.get("/") { _, _ in .text("root") }
        try await withServer(router: router) { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.text == "root")
            #expect(response.headers.values(for: "X-Order") == ["inner", "outer"])
        }
    }
}
