import HTTP1
import Logging
import Synchronization

/// What every connection of one server shares: configuration, routes, counters.
final class ServerCore: Sendable {
    let configuration: HTTPServerConfiguration
    let table: RouteTable
    let logger: Logger
    /// Open connections counted against `maxConnections`.
    let activeConnections = Atomic<Int>(0)
    /// Of those, connections only draining input after their last response (RFC 9112 §9.6);
    /// shutdown does not wait for them.
    let lingeringConnections = Atomic<Int>(0)
    /// Set once shutdown begins: every response then carries `Connection: close`.
    let draining = Atomic<Bool>(false)
    let requestCounter = Atomic<UInt64>(0)
    let idPrefix: String
    let headerTimeout: UInt64
    let bodyTimeout: UInt64
    let idleTimeout: UInt64
    /// Every connection's state machine runs with these limits.
    let stateMachineConfiguration: HTTPConnectionStateMachine<Request>.Configuration

    init(configuration: HTTPServerConfiguration, table: RouteTable, logger: Logger) {
        self.configuration = configuration
        self.table = table
        self.logger = logger
        idPrefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        headerTimeout = configuration.headerReadTimeout.nanoseconds
        bodyTimeout = configuration.bodyReadTimeout.nanoseconds
        idleTimeout = configuration.idleTimeout.nanoseconds
        stateMachineConfiguration = .init(
            maxPipelinedRequests: configuration.maxPipelinedRequests, headerTimeout: headerTimeout,
            bodyTimeout: bodyTimeout, idleTimeout: idleTimeout)
    }

    /// A short unique id: a random per-server prefix and a counter.
    func nextRequestID() -> String {
        let number = requestCounter.wrappingAdd(1, ordering: .relaxed).newValue
        return idPrefix + "-" + String(number, radix: 16)
    }
}
