public import HTTP1

/// Where an HTTP server listens and every limit it enforces; each limit has its own answer.
public struct HTTPServerConfiguration: Sendable {
    /// Numeric IPv4/IPv6 address to bind (default `127.0.0.1`; `::` or `0.0.0.0` for all).
    public var host: String
    /// TCP port; 0 picks an ephemeral port, readable from `HTTPServer.port` after `start()`.
    public var port: Int
    /// Parser limits: request line (414), header bytes/count (431), body size (413).
    public var limits: HTTPParserLimits
    /// Open connections past which new ones get `503` and are closed (default 10 000).
    public var maxConnections: Int
    /// Time allowed to receive a complete request head (default 10 s → 408, slowloris defence).
    public var headerReadTimeout: Duration
    /// Time allowed to receive a complete request body once its head arrived (default 30 s → 408).
    public var bodyReadTimeout: Duration
    /// Time an idle keep-alive connection stays open (default 60 s, closed silently).
    public var idleTimeout: Duration
    /// Event-loop threads (default: one per core).
    public var eventLoopThreads: Int
    /// `listen(2)` backlog (default 1024).
    public var backlog: Int32
    /// Complete pipelined requests buffered per connection before reading pauses (default 16).
    public var maxPipelinedRequests: Int
    /// Where handlers run.
    public var handlerExecution: HandlerExecution

    /// Where request handlers run.
    public enum HandlerExecution: Sendable {
        /// On the global concurrent pool; event-loop threads only parse and write (default, safe for any handler).
        case globalPool
        /// On the connection's event-loop thread (a task executor preference): fewer thread hops, but a
        /// handler that computes for long stalls every connection on that loop. For tiny handlers only.
        case eventLoop
    }

    /// Builds a configuration; every argument has the documented default.
    public init(
        host: String = "127.0.0.1", port: Int = 0, limits: HTTPParserLimits = HTTPParserLimits(),
        maxConnections: Int = 10_000, headerReadTimeout: Duration = .seconds(10), bodyReadTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60), eventLoopThreads: Int? = nil, backlog: Int32 = 1024,
        maxPipelinedRequests: Int = 16, handlerExecution: HandlerExecution = .globalPool
    ) {
        self.host = host
        self.port = port
        self.limits = limits
        self.maxConnections = maxConnections
        self.headerReadTimeout = headerReadTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.idleTimeout = idleTimeout
        self.eventLoopThreads = eventLoopThreads ?? ProcessorCount.online
        self.backlog = backlog
        self.maxPipelinedRequests = maxPipelinedRequests
        self.handlerExecution = handlerExecution
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? UInt64.max : whole &+ UInt64(attoseconds / 1_000_000_000)
    }
}
