import Synchronization

/// Fans one message out to many connections (e.g. a chain node's block subscribers).
///
/// `broadcast` encodes the frame once (`WebSocketPreparedMessage`), then queues it on each
/// subscriber without awaiting any of them. A subscriber whose bounded send queue overflows
/// is closed by its connection's slow-consumer policy (1008 by default) and removed here, as
/// is any subscriber already closed; the others are unaffected.
public final class WebSocketBroadcaster: Sendable {
    /// Identifies one subscription, for `remove(_:)`.
    public struct SubscriberID: Hashable, Sendable {
        let value: UInt64
    }

    /// The outcome of one broadcast.
    public struct Result: Sendable, Hashable {
        /// Subscribers the message was queued for.
        public var delivered: Int
        /// Subscribers removed during this broadcast (closed, or just closed for being slow).
        public var removed: Int
    }

    private struct State {
        var subscribers: [SubscriberID: WebSocketConnection] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Makes an empty broadcaster.
    public init() {}

    /// Current number of subscribers.
    public var count: Int { state.withLock { $0.subscribers.count } }

    /// Adds a connection; it receives every later broadcast until removed or closed.
    @discardableResult
    public func add(_ connection: WebSocketConnection) -> SubscriberID {
        state.withLock { state in
            state.nextID += 1
            let id = SubscriberID(value: state.nextID)
            state.subscribers[id] = connection
            return id
        }
    }

    /// Removes a subscription (no-op if already gone).
    public func remove(_ id: SubscriberID) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    /// Queues `message` on every subscriber.
    @discardableResult
    public func broadcast(_ message: WebSocketMessage) -> Result {
        broadcast(WebSocketPreparedMessage(message))
    }

    /// Queues a text message on every subscriber.
    @discardableResult
    public func broadcast(text: String) -> Result {
        broadcast(.text(text))
    }

    /// Queues an already prepared message on every subscriber.
    @discardableResult
    public func broadcast(_ prepared: WebSocketPreparedMessage) -> Result {
        // Snapshot, then send outside the lock: a send may compress, and sends never block.
        let subscribers = state.withLock { Array($0.subscribers) }
        var failed: [SubscriberID] = []
        for (id, connection) in subscribers {
            do throws(WebSocketError) {
                try connection.send(prepared)
            } catch {
                failed.append(id)
            }
        }
        if !failed.isEmpty {
            state.withLock { state in
                for id in failed { state.subscribers.removeValue(forKey: id) }
            }
        }
        return Result(delivered: subscribers.count - failed.count, removed: failed.count)
    }

    /// Closes every subscriber with `code` and forgets them (e.g. on shutdown, 1001).
    public func closeAll(code: WebSocketCloseCode = .goingAway, reason: String = "") async {
        let subscribers = state.withLock { state in
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for connection in subscribers {
                group.addTask { await connection.close(code: code, reason: reason) }
            }
        }
    }
}
