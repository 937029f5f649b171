import AITBCClient
public import HTTPServer
import HTTP1
public import Logging
import Metrics
public import ServiceRuntime
import Synchronization
import WalletCore

/// The wallet daemon: `WalletService` behind an HTTP server (REST, `/rpc`, the operational
/// routes), the unlock-expiry sweep and the chain adapter's pending tracker in the background,
/// and on shutdown every unlocked key wiped.
public final class WalletDaemonService: Sendable {
    /// The domain API.
    public let service: WalletService
    /// The HTTP server.
    public let server: HTTPServer
    /// Readiness checks.
    public let health: HealthChecks
    private let logger: Logger
    private let background = Mutex<[Task<Void, Never>]>([])
    private let drainDeadline: Duration = .seconds(10)

    /// Builds the router and server for `service`.
    public init(service: WalletService, logger: Logger) {
        self.service = service
        self.logger = logger
        let configuration = service.configuration
        let health = HealthChecks()
        self.health = health
        let router = Router()
        router.add(middleware: RequestIDMiddleware())
        if let token = configuration.token { router.add(middleware: WalletAuthMiddleware(token: token)) }
        router.add(middleware: OperationalRoutes.metricsMiddleware())
        router.add(middleware: AccessLogMiddleware(level: .debug))
        let ledger = service.ledger
        health.register("ledger") {
            do {
                _ = try await ledger.metadata()
                return nil
            } catch {
                return "ledger database unavailable"
            }
        }
        OperationalRoutes.install(on: router, service: "aitbc-wallet-daemon", health: health)
        WalletRoutes(service: service).install(on: router)
        var limits = HTTPParserLimits()
        // The routes answer 413 with a `detail` up to the limit; the parser stops anything far beyond it.
        limits.maxBodySize = configuration.maxBodyBytes + 1_024
        server = HTTPServer(
            configuration: HTTPServerConfiguration(host: configuration.host, port: configuration.port, limits: limits), router: router,
            logger: logger)
    }

    /// Opens the keystore directory and the ledger, builds the chain adapter (`LEDGER`) and the
    /// receipt source (`COORDINATOR_API_KEY`), and the service.
    /// - Throws: `WalletCoreError` (keystore directory or file permissions), `WalletStartupError`
    ///   (the ledger, naming `LEDGER_DB_PATH`).
    public static func open(
        configuration: WalletConfiguration, clock: any WalletClock = SystemWalletClock(), keepSlotsForTesting: Bool = false,
        receipts: (any ReceiptSource)? = nil, logger: Logger
    ) async throws -> WalletDaemonService {
        _ = MetricsRuntime.bootstrap()
        let keystore = try KeystoreDirectory(path: configuration.keystoreDirectory)
        try keystore.checkFiles()
        let ledger = try await WalletLedger.open(path: configuration.ledgerPath, cacheKiB: configuration.ledgerCacheKiB)
        let chain: any ChainAdapter
        switch configuration.ledger {
        case .chain:
            chain = NodeChainAdapter(
                client: ChainClient(configuration: ChainConfiguration(baseURL: configuration.chainRPCURL, chainID: configuration.chainID, maxRetries: 1)),
                database: ledger.database)
        case .offline:
            chain = OfflineLedger(database: ledger.database)
        }
        let source = receipts ?? configuration.coordinatorAPIKey.map { CoordinatorReceiptSource(baseURL: configuration.coordinatorBaseURL, apiKey: $0) }
        let service = WalletService(
            configuration: configuration, keystore: keystore, ledger: ledger, chain: chain, receipts: source, clock: clock,
            keepSlotsForTesting: keepSlotsForTesting, logger: logger)
        return WalletDaemonService(service: service, logger: logger)
    }

    /// The bound port, after `start`.
    public var port: Int? { server.port }

    /// Binds and starts the background work.
    /// - Throws: the server's `SocketError` when binding fails.
    public func start() async throws {
        try await server.start()
        let service = service
        let server = server
        var tasks = [
            Task {
                // Expired unlocks are wiped within a second even when nobody asks for them.
                while !Task.isCancelled {
                    if service.keyring.expire() > 0 { service.metrics.unlocked.record(service.keyring.unlockedCount) }
                    service.metrics.kdfRunning.record(service.gate.running)
                    try? await Task.sleep(for: .seconds(1))
                }
            },
            Task {
                // A quarter second without requests gives back the heap a burst left free
                // (≤ 20 MB at rest); one atomic read per period otherwise.
                var trimmer = IdleMemoryTrimmer()
                while !Task.isCancelled {
                    if trimmer.observe(requests: server.requestCount) { IdleMemoryTrimmer.trimHeap() }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            },
        ]
        if let adapter = service.chain as? NodeChainAdapter {
            tasks.append(Task { await adapter.trackPending(every: .seconds(2)) })
        }
        background.withLock { $0 = tasks }
        let configuration = service.configuration
        logger.info(
            "listening",
            metadata: [
                "host": "\(configuration.host)", "port": "\(server.port ?? configuration.port)", "ledger": "\(configuration.ledger.rawValue)",
                // Not "token": the log redacts any key containing it, so "unset" would read "[redacted]".
                "auth": "\(configuration.token == nil ? "none" : "X-Auth-Token")",
            ])
    }

    /// Drains: not ready, background stopped, in-flight requests finished up to the deadline,
    /// then every unlocked key wiped.
    public func shutdown() async {
        health.startDraining()
        let tasks = background.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await server.shutdown(deadline: drainDeadline)
        service.lockAll()
        logger.info("stopped")
    }

    /// Starts, waits for SIGTERM/SIGINT, then shuts down.
    /// - Throws: what `start` throws.
    public func run(signal: ShutdownSignal, onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        try await start()
        onListening(server.port ?? service.configuration.port)
        let received = await signal.wait()
        logger.info("shutdown requested", metadata: ["signal": "\(received)"])
        await shutdown()
    }
}
