import Foundation
public import HTTPServer
public import Logging

/// Runs a daemon's HTTP server until SIGTERM/SIGINT, then shuts down in the order operators
/// expect: readiness fails first, the listener stops, in-flight requests drain up to the
/// deadline, background work is cancelled, stores flush, and `run` returns so `main` exits 0.
public struct ServiceRunner: Sendable {
    /// Work that lives as long as the service (sweepers, pollers); cancelled at shutdown.
    public typealias BackgroundTask = @Sendable () async -> Void
    /// Called after the server stopped, e.g. to close databases; runs in order.
    public typealias ShutdownHook = @Sendable () async -> Void

    private let service: String
    private let server: HTTPServer
    private let health: HealthChecks
    private let drainDeadline: Duration
    private let logger: Logger

    /// A runner for `server`, which must already have every route (including `OperationalRoutes`).
    public init(service: String, server: HTTPServer, health: HealthChecks, drainDeadline: Duration, logger: Logger) {
        self.service = service
        self.server = server
        self.health = health
        self.drainDeadline = drainDeadline
        self.logger = logger
    }

    /// Starts the server and `background` tasks, waits for `signal`, then drains and returns.
    /// `onListening` runs once the port is bound (tests read the port; systemd notify could go here).
    /// - Throws: the server's `SocketError` when it cannot bind.
    public func run(
        signal: ShutdownSignal, background: [BackgroundTask] = [], onShutdown: [ShutdownHook] = [],
        onListening: @Sendable (Int) -> Void = { _ in }
    ) async throws {
        try await server.start()
        let port = server.port ?? server.configuration.port
        logger.info(
            "listening",
            metadata: ["host": "\(server.configuration.host)", "port": "\(port)", "service": "\(service)"])
        onListening(port)

        await withTaskGroup(of: Void.self) { group in
            for task in background {
                group.addTask { await task() }
            }
            let received = await signal.wait()
            logger.info("shutdown requested", metadata: ["signal": "\(received)", "deadline": "\(drainDeadline)"])
            health.startDraining()
            await server.shutdown(deadline: drainDeadline)
            group.cancelAll()
        }
        for hook in onShutdown {
            await hook()
        }
        logger.info("stopped")
    }
}
