import Foundation
import HTTP1
import HTTPServer
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

/// Runs blocking socket I/O on a thread of its own: Dispatch's global queues share their threads
/// with Swift's cooperative pool, which the server's handlers need.
private func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// `GET` `path` on a fresh connection.
private func get(_ path: String, port: Int) async throws -> HTTPTestResponse {
    try await offPool {
        let client = try HTTPTestConnection(port: port)
        try client.send("GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n")
        return try client.readResponse()
    }
}

@Suite struct OperationalRoutesTests {
    /// `/healthz`, `/readyz` (with its checks, failing while a check fails or the daemon drains)
    /// and `/metrics`, over loopback; the JSON bodies are byte-stable.
    @Test func servesHealthReadinessAndMetrics() async throws {
        let router = Router()
        router.add(middleware: OperationalRoutes.metricsMiddleware())
        let health = HealthChecks()
        let databaseDown = Mutex(false)
        health.register("database") { databaseDown.withLock { $0 } ? "closed" : nil }
        OperationalRoutes.install(on: router, service: "aitbc-test", health: health)
        try await serving(router, configuration: HTTPServerConfiguration(port: 0, eventLoopThreads: 1)) { _, port in
            let healthz = try await get("/healthz", port: port)
            #expect(healthz.status == 200)
            #expect(healthz.headers["Content-Type"] == "application/json")
            #expect(healthz.text == #"{"status":"ok","service":"aitbc-test"}"#)

            let ready = try await get("/readyz", port: port)
            #expect(ready.status == 200)
            #expect(ready.text == #"{"status":"ready","checks":[{"name":"database","ok":true}]}"#)
            databaseDown.withLock { $0 = true }
            let notReady = try await get("/readyz", port: port)
            #expect(notReady.status == 503)
            #expect(notReady.text == #"{"status":"not_ready","checks":[{"name":"database","ok":false,"error":"closed"}]}"#)
            databaseDown.withLock { $0 = false }
            health.startDraining()
            let draining = try await get("/readyz", port: port)
            #expect(draining.status == 503)
            #expect(draining.text.contains(#"{"name":"shutdown","ok":false,"error":"draining"}"#))

            let metrics = try await get("/metrics", port: port)
            #expect(metrics.status == 200)
            #expect(metrics.headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(metrics.text.contains(#"http_requests_total{method="GET",route="/readyz",status="503"} 2"#))
        }
    }
}
