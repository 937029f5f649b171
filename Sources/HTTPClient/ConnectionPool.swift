import Sockets
import Synchronization

/// Keep-alive connections per `host:port`, with a cap on open connections per host.
///
/// A connection returns to the pool only after a complete response that allowed keep-alive
/// (the caller decides); anything else is closed. Idle connections older than the idle timeout,
/// or found closed by the server, are dropped on the next checkout and by the periodic sweep.
final class ConnectionPool: Sendable {
    struct Idle {
        let socket: ClientSocket
        let since: UInt64
    }

    struct Host {
        var idle: [Idle] = []
        /// Open connections, busy and idle.
        var open = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    struct State {
        var hosts: [String: Host] = [:]
        var isShutdown = false
    }

    let state = Mutex(State())
    let maxPerHost: Int
    let idleTimeoutNanos: UInt64

    init(maxPerHost: Int, idleTimeout: Duration) {
        self.maxPerHost = max(1, maxPerHost)
        let (seconds, attoseconds) = idleTimeout.components
        idleTimeoutNanos = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    enum Checkout {
        case reuse(ClientSocket)
        case connect
        case wait
    }

    /// An open connection to `url`'s address: a live idle one, or a new one (waits while the host is at its cap).
    /// `connect` opens a new connection; the returned flag says whether the connection was reused.
    func acquire(
        key: String, connect: () async throws(HTTPClientError) -> ClientSocket
    ) async throws(HTTPClientError) -> (ClientSocket, reused: Bool) {
        while true {
            var expired: [ClientSocket] = []
            let now = EventLoop.monotonicNanoseconds()
            let decision = state.withLock { state -> Checkout? in
                guard !state.isShutdown else { return nil }
                var host = state.hosts[key] ?? Host()
                defer { state.hosts[key] = host }
                while let last = host.idle.popLast() {
                    if now &- last.since > idleTimeoutNanos {
                        expired.append(last.socket)
                        host.open -= 1
                        continue
                    }
                    return .reuse(last.socket)
                }
                if host.open < maxPerHost {
                    host.open += 1
                    return .connect
                }
                return .wait
            }
            for socket in expired { socket.close() }
            switch decision {
            case nil:
                throw .shutdown
            case .reuse(let socket):
                // Checked for staleness when the request is written (`writeThenRead(requireIdle:)`),
                // on the loop thread it already has to visit.
                return (socket, true)
            case .connect:
                do {
                    return (try await connect(), false)
                } catch {
                    released(key: key)
                    throw error
                }
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.isShutdown { return true }
                        state.hosts[key, default: Host()].waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// A new connection counted against `key`, ignoring idle connections and the cap.
    func acquireFresh(key: String, connect: () async throws(HTTPClientError) -> ClientSocket) async throws(HTTPClientError) -> ClientSocket {
        let allowed = state.withLock { state -> Bool in
            guard !state.isShutdown else { return false }
            state.hosts[key, default: Host()].open += 1
            return true
        }
        guard allowed else { throw .shutdown }
        do {
            return try await connect()
        } catch {
            released(key: key)
            throw error
        }
    }

    /// Returns a connection after a complete keep-alive response.
    func release(_ socket: ClientSocket, key: String) {
        let now = EventLoop.monotonicNanoseconds()
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.isShutdown else { return (false, nil) }
            var host = state.hosts[key] ?? Host()
            host.idle.append(Idle(socket: socket, since: now))
            let waiter = host.waiters.isEmpty ? nil : host.waiters.removeFirst()
            state.hosts[key] = host
            return (true, waiter)
        }
        if !accepted {
            socket.close()
        }
        waiter?.resume()
    }

    /// Closes a connection that must not be reused and frees its slot.
    func discard(_ socket: ClientSocket, key: String) {
        socket.close()
        released(key: key)
    }

    /// Frees one slot of `key` and wakes one waiter.
    func released(key: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard var host = state.hosts[key] else { return nil }
            host.open -= 1
            let waiter = host.waiters.isEmpty ? nil : host.waiters.removeFirst()
            state.hosts[key] = host
            return waiter
        }
        waiter?.resume()
    }

    /// Closes idle connections past the idle timeout.
    func sweep() {
        let now = EventLoop.monotonicNanoseconds()
        let expired = state.withLock { state -> [ClientSocket] in
            var expired: [ClientSocket] = []
            for key in Array(state.hosts.keys) {
                guard var host = state.hosts[key] else { continue }
                let (old, fresh) = (host.idle.filter { now &- $0.since > idleTimeoutNanos }, host.idle.filter { now &- $0.since <= idleTimeoutNanos })
                guard !old.isEmpty else { continue }
                host.idle = fresh
                host.open -= old.count
                expired.append(contentsOf: old.map(\.socket))
                state.hosts[key] = host
            }
            return expired
        }
        for socket in expired { socket.close() }
    }

    /// Idle connections for `key` (tests).
    func idleCount(key: String) -> Int { state.withLock { $0.hosts[key]?.idle.count ?? 0 } }

    /// Closes every idle connection and refuses further checkouts.
    func shutdown() {
        let (idle, waiters) = state.withLock { state -> ([ClientSocket], [CheckedContinuation<Void, Never>]) in
            state.isShutdown = true
            var idle: [ClientSocket] = []
            var waiters: [CheckedContinuation<Void, Never>] = []
            for host in state.hosts.values {
                idle.append(contentsOf: host.idle.map(\.socket))
                waiters.append(contentsOf: host.waiters)
            }
            state.hosts = [:]
            return (idle, waiters)
        }
        for socket in idle { socket.close() }
        for waiter in waiters { waiter.resume() }
    }
}
