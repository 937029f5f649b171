import Ledger
public import HTTPServer
import HTTP1
public import Logging
public import ServiceRuntime
import Synchronization

/// The chain node daemon: the domain core behind an HTTP server (RPC and the operational
/// routes), the proposer loop in the background, and an ordered drain on shutdown.
public final class ChainNodeService: Sendable {
    public let chain: Chain
    public let server: HTTPServer
    public let health: HealthChecks
    /// `/rpc/ws`, `/rpc/ws/blocks`, `/rpc/ws/transactions`.
    public let webSocketRPC: WebSocketRPC
    public let drainDeadline: Duration
    let clock: any ChainClock
    private let logger: Logger
    private let producer = Mutex<Task<Void, Never>?>(nil)
    /// The network (gossip, range sync); nil when `P2P_ENABLED` is false.
    public let p2p: P2PNode?

    /// Builds the router and server for `chain`.
    /// - Throws: `ConfigurationError` when the node key file cannot be read or created.
    public init(
        chain: Chain, configuration: ChainNodeConfiguration, clock: any ChainClock = SystemChainClock(), p2pMetrics: P2PMetrics = P2PMetrics(),
        logger: Logger
    ) throws {
        self.chain = chain
        self.clock = clock
        self.logger = logger
        drainDeadline = .seconds(10)
        let health = HealthChecks()
        self.health = health
        let router = Router()
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: OperationalRoutes.metricsMiddleware())
        router.add(middleware: AccessLogMiddleware(level: .debug))
        router.add(middleware: DetailMemberMiddleware())
        router.add(middleware: CORSMiddleware(
            allowOrigin: .all, allowHeaders: ["Content-Type", "Authorization", "X-Request-ID"], exposeHeaders: ["Retry-After", "X-Request-ID"],
            allowCredentials: false))
        let store = chain.store
        health.register("database") {
            do {
                _ = try await store.head()
                return nil
            } catch {
                return "database unavailable"
            }
        }
        let p2p = configuration.p2p.enabled ? try P2PNode(chain: chain, settings: configuration.p2p, clock: clock, metrics: p2pMetrics, logger: logger) : nil
        self.p2p = p2p
        let p2pRoutes = P2PRoutes(chain: chain, node: p2p, adminToken: configuration.adminToken.map { Array($0.utf8) })
        health.register("sync") { p2pRoutes.readinessProblem() }
        OperationalRoutes.install(on: router, service: "aitbc-chain-node", health: health)
        p2pRoutes.install(on: router)
        let faucet = configuration.faucetEnabled ? configuration.faucetKey.map { Faucet(chain: chain, key: $0) } : nil
        ChainRoutes(
            chain: chain, limiter: SubmissionLimiter(ratePerSecond: configuration.sendRatePerSecond, burst: configuration.sendBurst, clock: clock),
            faucet: faucet, adminToken: configuration.adminToken, maxBodyBytes: configuration.maxBodyBytes
        ).install(on: router)
        webSocketRPC = WebSocketRPC(chain: chain, settings: configuration.webSocketRPC, logger: logger)
        webSocketRPC.install(on: router)
        var limits = HTTPParserLimits()
        limits.maxBodySize = configuration.maxBodyBytes + (64 << 10)
        server = HTTPServer(
            configuration: HTTPServerConfiguration(host: configuration.host, port: configuration.port, limits: limits), router: router,
            logger: logger)
    }

    /// Opens the chain (database, genesis check, state root check, mempool reload) and builds the service.
    /// - Throws: `ChainStoreError`, `SQLiteError`.
    public static func open(configuration: ChainNodeConfiguration, clock: any ChainClock = SystemChainClock(), logger: Logger) async throws
        -> ChainNodeService
    {
        _ = MetricsRuntime.bootstrap()
        let chain = try await Chain.open(
            path: configuration.databasePath, genesis: configuration.genesis, proposerKey: configuration.proposerKey,
            mempoolLimits: configuration.mempoolLimits, clock: clock, forkChoice: configuration.forkChoice, logger: logger)
        return try ChainNodeService(chain: chain, configuration: configuration, clock: clock, logger: logger)
    }

    /// The bound port, after `start`.
    public var port: Int? { server.port }

    /// Binds (RPC, then P2P) and starts the proposer loop and the network.
    /// - Throws: the server's `SocketError` when binding fails.
    public func start() async throws {
        try await server.start()
        try await p2p?.start()
        let producer = BlockProducer(chain: chain, clock: clock, logger: logger)
        self.producer.withLock { $0 = Task { await producer.run() } }
        let head = chain.head
        logger.info(
            "listening",
            metadata: [
                "host": "\(server.configuration.host)", "port": "\(server.port ?? server.configuration.port)",
                "chain_id": "\(chain.genesis.chainID)", "head": "\(head.height)", "authority": "\(chain.isAuthority)",
                "p2p_port": "\(p2p?.port.map { String($0) } ?? "off")", "node_key": "\(p2p?.nodeKeyHex ?? "")",
            ])
    }

    /// Drains: not ready, the proposer stopped (a block being committed finishes: it is one
    /// SQLite transaction), in-flight requests finished up to the deadline.
    public func shutdown() async {
        health.startDraining()
        let task = producer.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        // Subscribers hear 1001 now rather than hold the drain open.
        await webSocketRPC.shutdown()
        await p2p?.shutdown()
        await server.shutdown(deadline: drainDeadline)
        logger.info("stopped", metadata: ["head": "\(chain.head.height)"])
    }

    /// Starts, waits for SIGTERM/SIGINT, then shuts down.
    /// - Throws: what `start` throws.
    public func run(signal: ShutdownSignal, onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        try await start()
        onListening(server.port ?? server.configuration.port)
        let received = await signal.wait()
        logger.info("shutdown requested", metadata: ["signal": "\(received)"])
        await shutdown()
    }
}
