public import HTTPServer
import HTTP1
public import Logging
public import ServiceRuntime
import Synchronization

/// The coordinator daemon: the domain core behind an HTTP server with the operational
/// routes, middleware (request id, metrics, access log, CORS, legacy `detail`), the
/// sweeper in the background and an ordered drain on shutdown.
///
/// ```swift
/// let service = try await CoordinatorService.open(configuration: configuration, logger: logger)
/// try await service.run(signal: ShutdownSignal())        // returns after SIGTERM/SIGINT drained
/// ```
public final class CoordinatorService: Sendable {
    /// The domain core.
    public let coordinator: Coordinator
    /// The HTTP server (bound by `start`).
    public let server: HTTPServer
    /// Readiness checks (`/readyz`).
    public let health: HealthChecks
    /// In-flight long polls.
    public let polls: PollGate
    /// Open WebSocket channels.
    public let webSockets: CoordinatorWebSockets
    /// How long in-flight requests may take to finish at shutdown.
    public let drainDeadline: Duration
    private let logger: Logger
    private let sweeper = Mutex<Task<Void, Never>?>(nil)

    /// Builds the router and server for `coordinator` on its configured host and port.
    public init(coordinator: Coordinator, drainDeadline: Duration = .seconds(20), logger: Logger) {
        self.coordinator = coordinator
        self.logger = logger
        self.drainDeadline = drainDeadline
        let health = HealthChecks()
        let polls = PollGate()
        self.health = health
        self.polls = polls
        let configuration = coordinator.configuration
        let router = Router()
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: OperationalRoutes.metricsMiddleware())
        // Logs the path without its query string, so a WebSocket `api_key` parameter never
        // reaches a log line; keys in headers are never logged either.
        router.add(middleware: AccessLogMiddleware(level: Logger.Level(rawValue: configuration.accessLogLevel) ?? .debug))
        router.add(middleware: Self.cors(configuration.allowOrigins))
        router.add(middleware: DetailMemberMiddleware())
        let store = coordinator.store
        health.register("database") {
            do {
                try await store.ping()
                return nil
            } catch {
                return "database unavailable"
            }
        }
        OperationalRoutes.install(on: router, service: "aitbc-coordinator", health: health)
        CoordinatorRoutes(coordinator: coordinator, polls: polls).install(on: router)
        let webSockets = CoordinatorWebSockets(coordinator: coordinator)
        webSockets.install(on: router)
        self.webSockets = webSockets
        var limits = HTTPParserLimits()
        // Bodies a little over MAX_BODY_BYTES still reach the handlers, which answer 413 with
        // the coordinator's error body (`detail` included); far larger ones are refused by the
        // parser from Content-Length (413, generic body) without being read.
        let (slack, overflow) = configuration.maxBodyBytes.addingReportingOverflow(64 << 10)
        limits.maxBodySize = overflow ? configuration.maxBodyBytes : slack
        server = HTTPServer(
            configuration: HTTPServerConfiguration(host: configuration.host, port: configuration.port, limits: limits),
            router: router, logger: logger)
    }

    /// Opens the database, bootstraps metrics, and builds the service.
    /// - Throws: `CoordinatorError.storage`.
    public static func open(
        configuration: CoordinatorConfiguration, clock: any CoordinatorClock = SystemClock(), logger: Logger
    ) async throws(CoordinatorError) -> CoordinatorService {
        // The coordinator's series are created at init: the Prometheus backend must exist first.
        _ = MetricsRuntime.bootstrap()
        let coordinator = try await Coordinator.open(configuration: configuration, clock: clock, logger: logger)
        return CoordinatorService(coordinator: coordinator, logger: logger)
    }

    /// CORS per `ALLOW_ORIGINS`: `*` allows any origin without credentials (never `*` with
    /// credentials, Fetch §3.2.5); a list echoes matching origins and allows credentials.
    static func cors(_ origins: [String]) -> CORSMiddleware {
        let headers = ["Content-Type", "Authorization", "X-Api-Key", "X-Request-ID", "Idempotency-Key", "X-Signature"]
        let exposed = ["Retry-After", "X-Request-ID"]
        if origins.isEmpty || origins.contains("*") {
            return CORSMiddleware(allowOrigin: .all, allowHeaders: headers, exposeHeaders: exposed, allowCredentials: false)
        }
        return CORSMiddleware(allowOrigin: .list(origins), allowHeaders: headers, exposeHeaders: exposed, allowCredentials: true)
    }

    /// The bound port, after `start`.
    public var port: Int? { server.port }

    /// Requeues what a previous process left RUNNING, binds, and starts the sweeper.
    /// - Throws: `CoordinatorError.storage`, or the server's `SocketError` when binding fails.
    public func start() async throws {
        try await coordinator.store.resumeAfterRestart()
        try await server.start()
        let coordinator = self.coordinator
        sweeper.withLock { $0 = Task { await coordinator.runSweeper() } }
        logger.info(
            "listening",
            metadata: [
                "host": "\(server.configuration.host)", "port": "\(server.port ?? server.configuration.port)",
                "configuration": "\(coordinator.configuration)",
            ])
    }

    /// Drains: not ready, long polls ended (204), WebSocket channels closed (1001), in-flight
    /// requests finished up to the deadline, sweeper stopped.
    public func shutdown() async {
        health.startDraining()
        polls.close()
        await webSockets.closeAll()
        await server.shutdown(deadline: drainDeadline)
        let task = sweeper.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        logger.info("stopped")
    }

    /// Starts, waits for SIGTERM/SIGINT (or `signal.fire`), then shuts down.
    /// - Throws: what `start` throws.
    public func run(signal: ShutdownSignal, onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        try await start()
        onListening(server.port ?? server.configuration.port)
        let received = await signal.wait()
        logger.info("shutdown requested", metadata: ["signal": "\(received)", "deadline": "\(drainDeadline)"])
        await shutdown()
    }
}
