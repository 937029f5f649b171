public import Logging
public import Sockets
import Synchronization

/// An HTTP/1.1 server: epoll event loops (one per core) accept and parse, handlers run as tasks.
///
/// ```swift
/// let router = Router()
/// router.get("/hello") { _, _ in .text("hello") }
/// let server = HTTPServer(configuration: .init(port: 8080), router: router, logger: logger)
/// try await server.run()   // until shutdown(deadline:)
/// ```
public final class HTTPServer: Sendable {
    /// The configuration given at creation.
    public let configuration: HTTPServerConfiguration
    let router: Router
    let logger: Logger
    let state = Mutex(State())

    struct State: @unchecked Sendable {
        // @unchecked: LoopContext is loop-confined; the array itself is only read under this lock.
        var core: ServerCore?
        var group: EventLoopGroup?
        var contexts: [LoopContext] = []
        var listener: SocketDescriptor?
        var port: Int?
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A server for `router`; nothing is bound until `start()`.
    public init(configuration: HTTPServerConfiguration = HTTPServerConfiguration(), router: Router, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
    }

    /// The bound port (the ephemeral one for port 0); `nil` before `start()`.
    public var port: Int? { state.withLock { $0.port } }

    /// Requests handed to handlers since `start` (a quiet server's count stands still).
    public var requestCount: UInt64 { state.withLock { $0.core }?.requestCounter.load(ordering: .relaxed) ?? 0 }

    /// Connections currently open (rejected 503 connections excluded).
    public var connectionCount: Int { state.withLock { $0.core }?.activeConnections.load(ordering: .relaxed) ?? 0 }

    /// Binds, starts the event loops and begins accepting; routes are snapshot now.
    /// - Throws: `SocketError` when the address is invalid or cannot be bound.
    public func start() async throws(SocketError) {
        if state.withLock({ $0.core != nil }) { return }
        let address = try SocketAddress(host: configuration.host, port: configuration.port)
        let listener = try SocketDescriptor.listen(on: address, backlog: configuration.backlog)
        let port: Int
        let group: EventLoopGroup
        do {
            port = try listener.localAddress().port
            group = try EventLoopGroup(threads: configuration.eventLoopThreads, name: "http")
        } catch {
            listener.close()
            throw error
        }
        let core = ServerCore(configuration: configuration, table: router.snapshot(), logger: logger)
        let contexts = group.loops.map { LoopContext(loop: $0, core: core) }
        for context in contexts {
            let result: Result<Void, SocketError> = await onLoop(context) { context in
                Result { () throws(SocketError) in try context.install(listener: listener) }
            }
            if case .failure(let error) = result {
                group.shutdown()
                listener.close()
                throw error
            }
        }
        state.withLock {
            $0.core = core
            $0.group = group
            $0.contexts = contexts
            $0.listener = listener
            $0.port = port
        }
        logger.info("http server listening", metadata: ["address": "\(configuration.host)", "port": "\(port)"])
    }

    /// Starts if needed and returns once `shutdown(deadline:)` has finished.
    /// - Throws: `SocketError` from `start()`.
    public func run() async throws(SocketError) {
        try await start()
        await waitUntilFinished()
    }

    func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                // Never started: nothing to wait for.
                if state.finished || state.core == nil { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Stops accepting, lets in-flight requests finish (their responses carry `Connection: close`),
    /// closes idle connections at once and the rest at `deadline`, then stops the event loops.
    public func shutdown(deadline: Duration = .seconds(10)) async {
        let taken = state.withLock { state -> (ServerCore, EventLoopGroup, [LoopContext], SocketDescriptor?)? in
            guard let core = state.core, let group = state.group, !state.finished, !core.draining.load(ordering: .relaxed) else {
                return nil
            }
            core.draining.store(true, ordering: .relaxed)
            let listener = state.listener
            state.listener = nil
            return (core, group, state.contexts, listener)
        }
        guard let (core, group, contexts, listener) = taken else {
            // Another caller is already draining (or the server never started): wait for that to end.
            await waitUntilFinished()
            return
        }
        for context in contexts { await onLoop(context) { $0.stopAccepting() } }
        listener?.close()
        for context in contexts { await onLoop(context) { $0.drain() } }
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while core.activeConnections.load(ordering: .relaxed) - core.lingeringConnections.load(ordering: .relaxed) > 0,
            clock.now < end
        {
            try? await Task.sleep(for: .milliseconds(5))
        }
        for context in contexts { await onLoop(context) { $0.closeAll() } }
        group.shutdown()
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
        logger.info("http server stopped")
    }

    func onLoop<T: Sendable>(_ context: LoopContext, _ body: @escaping @Sendable (LoopContext) -> T) async -> T {
        await withCheckedContinuation { continuation in
            context.loop.execute { continuation.resume(returning: body(context)) }
        }
    }
}
