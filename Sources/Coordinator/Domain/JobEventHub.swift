import Synchronization

/// Fans committed job state changes out to subscribers (the client WebSocket channel,
/// spec §13), each with a bounded buffer. A subscriber that falls behind is cut off — its
/// stream finishes with `overflowed` set — so a slow reader never grows memory; it re-reads
/// state over HTTP (the socket closes with 1013).
public final class JobEventHub: Sendable {
    /// One subscriber's stream.
    public final class Subscription: Sendable {
        /// The changes, in commit order; finishes on `cancel()` or overflow.
        public let events: AsyncStream<JobStateChange>
        let id: UInt64
        private let overflowFlag = Mutex(false)
        private weak let hub: JobEventHub?

        init(id: UInt64, events: AsyncStream<JobStateChange>, hub: JobEventHub) {
            self.id = id
            self.events = events
            self.hub = hub
        }

        /// Whether the stream ended because the subscriber fell behind.
        public var overflowed: Bool { overflowFlag.withLock { $0 } }

        func markOverflowed() { overflowFlag.withLock { $0 = true } }

        /// Stops the subscription.
        public func cancel() { hub?.remove(id) }

        deinit { hub?.remove(id) }
    }

    private struct Subscriber {
        let clientID: String
        let jobID: String?
        let continuation: AsyncStream<JobStateChange>.Continuation
        let subscription: @Sendable () -> Subscription?
    }

    private struct State {
        var nextID: UInt64 = 0
        var subscribers: [UInt64: Subscriber] = [:]
    }

    private let state = Mutex(State())

    /// Creates an empty hub.
    public init() {}

    /// Subscribes to the changes of `clientID`'s jobs (only `jobID` when given), buffering at
    /// most `bufferSize` undelivered events.
    public func subscribe(clientID: String, jobID: String? = nil, bufferSize: Int = 256) -> Subscription {
        let (stream, continuation) = AsyncStream<JobStateChange>.makeStream(bufferingPolicy: .bufferingOldest(max(1, bufferSize)))
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        let subscription = Subscription(id: id, events: stream, hub: self)
        let weakBox = WeakSubscription(subscription)
        state.withLock { state in
            state.subscribers[id] = Subscriber(
                clientID: clientID, jobID: jobID, continuation: continuation, subscription: { weakBox.value })
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return subscription
    }

    /// Number of live subscribers.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Delivers `change` to the matching subscribers; cuts off any whose buffer is full.
    public func publish(_ change: JobStateChange) {
        let targets = state.withLock { state in
            state.subscribers.filter { $0.value.clientID == change.clientID && ($0.value.jobID == nil || $0.value.jobID == change.jobID) }
        }
        for (id, subscriber) in targets {
            if case .dropped = subscriber.continuation.yield(change) {
                subscriber.subscription()?.markOverflowed()
                remove(id)
            }
        }
    }

    func remove(_ id: UInt64) {
        let removed = state.withLock { $0.subscribers.removeValue(forKey: id) }
        removed?.continuation.finish()
    }
}

/// A weak reference that can cross concurrency domains (the referent is `Sendable`).
private final class WeakSubscription: Sendable {
    weak let value: JobEventHub.Subscription?
    init(_ value: JobEventHub.Subscription) { self.value = value }
}
