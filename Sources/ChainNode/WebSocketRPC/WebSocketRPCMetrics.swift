import Metrics
import Synchronization
import WireModels

/// The WebSocket RPC's series: `ws_connections`, `ws_subscriptions{topic}`,
/// `ws_frames_sent_total{topic}` (frames queued for a socket), `ws_subscribers_dropped_total{reason}`
/// (`lagging`, `keepalive`, `protocol`) and `ws_delivery_seconds` (a block's commit to its frames
/// queued for a socket; one observation per socket and block).
final class WebSocketRPCMetrics: Sendable {
    /// Why a socket was closed by the node.
    enum DropReason: String, CaseIterable, Sendable {
        case lagging, keepalive, `protocol`
    }

    private let connections: Gauge
    let delivery: Timer
    private let subscriptionGauges: [ChainSubscriptionTopic: Gauge]
    private let frameCounters: [ChainSubscriptionTopic: Counter]
    private let dropCounters: [DropReason: Counter]
    private let counts = Mutex<(connections: Int, subscriptions: [ChainSubscriptionTopic: Int])>((0, [:]))

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        connections = Gauge(label: "ws_connections", factory: factory)
        delivery = Timer(label: "ws_delivery_seconds", factory: factory)
        var gauges: [ChainSubscriptionTopic: Gauge] = [:]
        var frames: [ChainSubscriptionTopic: Counter] = [:]
        for topic in ChainSubscriptionTopic.allCases {
            gauges[topic] = Gauge(label: "ws_subscriptions", dimensions: [("topic", topic.rawValue)], factory: factory)
            frames[topic] = Counter(label: "ws_frames_sent_total", dimensions: [("topic", topic.rawValue)], factory: factory)
        }
        subscriptionGauges = gauges
        frameCounters = frames
        var drops: [DropReason: Counter] = [:]
        for reason in DropReason.allCases {
            drops[reason] = Counter(label: "ws_subscribers_dropped_total", dimensions: [("reason", reason.rawValue)], factory: factory)
        }
        dropCounters = drops
    }

    /// A socket opened (+1) or closed (−1).
    func connection(_ delta: Int) {
        let now = counts.withLock { counts in
            counts.connections += delta
            return counts.connections
        }
        connections.record(now)
    }

    /// A subscription to `topic` started (+1) or ended (−1).
    func subscription(_ topic: ChainSubscriptionTopic, _ delta: Int) {
        let now = counts.withLock { counts in
            counts.subscriptions[topic, default: 0] += delta
            return counts.subscriptions[topic, default: 0]
        }
        subscriptionGauges[topic]?.record(now)
    }

    /// Subscriptions to `topic` now (the pump builds a topic's frames only when someone listens).
    func subscribers(_ topic: ChainSubscriptionTopic) -> Int { counts.withLock { $0.subscriptions[topic, default: 0] } }

    /// `count` frames of `topic` queued.
    func framesSent(_ topic: ChainSubscriptionTopic, _ count: Int) {
        guard count > 0 else { return }
        frameCounters[topic]?.increment(by: count)
    }

    /// A socket closed by the node for `reason`.
    func dropped(_ reason: DropReason) { dropCounters[reason]?.increment() }
}
