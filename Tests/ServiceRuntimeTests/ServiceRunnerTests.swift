import Dispatch
import Foundation
import HTTP1
import HTTPServer
import Logging
import Metrics
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

@Suite struct ServiceRunnerTests {
    @Test func servesHealthReadinessMetricsAndDrainsOnSignal() async throws {
        let router = Router()
        router.add(middleware: OperationalRoutes.metricsMiddleware())
        let health = HealthChecks()
        let databaseDown = Mutex(false)
        health.register("database") { databaseDown.withLock { $0 } ? "closed" : nil }
        OperationalRoutes.install(on: router, service: "aitbc-test", health: health)
        let slowStarted = Mutex(false)
        router.get("/slow") { _, _ in
            slowStarted.withLock { $0 = true }
            try await Task.sleep(for: .milliseconds(300))
            return .text("done")
        }
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let server = HTTPServer(configuration: HTTPServerConfiguration(port: 0, eventLoopThreads: 1), router: router, logger: logger)
        let signal = ShutdownSignal(signals: [])
        let flushed = Mutex(false)
        let backgroundCancelled = Mutex(false)
        let runner = ServiceRunner(service: "aitbc-test", server: server, health: health, drainDeadline: .seconds(5), logger: logger)
        let portBox = Mutex<Int?>(nil)

        let running = Task {
            try await runner.run(
                signal: signal,
                background: [{
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                    backgroundCancelled.withLock { $0 = true }
                }],
                onShutdown: [{ flushed.withLock { $0 = true } }],
                onListening: { port in portBox.withLock { $0 = port } })
        }
        var port: Int?
        for _ in 0..<200 where port == nil {
            try await Task.sleep(for: .milliseconds(10))
            port = portBox.withLock { $0 }
        }
        let bound = try #require(port)

        let healthz = try await offPool {
            let client = try HTTPTestConnection(port: bound)
            try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            return try client.readResponse()
        }
        #expect(healthz.status == 200)
        #expect(healthz.text.contains(#""service":"aitbc-test""#))

        let ready = try await offPool {
            let client = try HTTPTestConnection(port: bound)
            try client.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
            return try client.readResponse()
        }
        #expect(ready.status == 200)
        databaseDown.withLock { $0 = true }
        let notReady = try await offPool {
            let client = try HTTPTestConnection(port: bound)
            try client.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
            return try client.readResponse()
        }
        #expect(notReady.status == 503)
        #expect(notReady.text.contains(#""error":"closed""#))

        let metrics = try await offPool {
            let client = try HTTPTestConnection(port: bound)
            try client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
            return try client.readResponse()
        }
        #expect(metrics.status == 200)
        #expect(metrics.headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.text.contains(#"http_requests_total{method="GET",route="/readyz",status="503"} 1"#))

        // A request in flight when the signal arrives still gets its answer.
        async let slow = offPool {
            let client = try HTTPTestConnection(port: bound)
            try client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            return try client.readResponse()
        }
        for _ in 0..<200 where !slowStarted.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        signal.fire(15)
        let slowResponse = try await slow
        #expect(slowResponse.status == 200)
        #expect(slowResponse.text == "done")
        try await running.value
        #expect(flushed.withLock { $0 })
        #expect(backgroundCancelled.withLock { $0 })
        #expect(await !health.readiness().ready)
    }
}
