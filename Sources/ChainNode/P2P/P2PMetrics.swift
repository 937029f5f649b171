public import Metrics

/// The network's Prometheus series (docs/chain-node.md "Network"; the names H4's rules and
/// dashboard use). Labelled counters are looked up per call: their label sets are small and fixed.
public final class P2PMetrics: Sendable {
    private let factory: any MetricsFactory
    private let peersConnected: Gauge
    private let queueSize: Gauge
    private let queueCapacity: Gauge
    private let bestPeerHeight: Gauge
    private let lag: Gauge
    private let syncing: Gauge
    private let syncImported: Counter
    private let propagation: Timer
    private let unlinked: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        peersConnected = Gauge(label: "peers_connected", factory: factory)
        queueSize = Gauge(label: "gossip_queue_size", factory: factory)
        queueCapacity = Gauge(label: "gossip_queue_capacity", factory: factory)
        bestPeerHeight = Gauge(label: "chain_sync_best_peer_height", factory: factory)
        lag = Gauge(label: "chain_sync_lag_blocks", factory: factory)
        syncing = Gauge(label: "chain_syncing", factory: factory)
        syncImported = Counter(label: "chain_sync_blocks_imported_total", factory: factory)
        propagation = Timer(label: "block_propagation_seconds", factory: factory)
        unlinked = Counter(label: "p2p_unlinked_blocks_total", factory: factory)
        // Every label value exported from the start at 0, so a rate() or an alert on one has a
        // series before the first event (and a dashboard shows 0, not "no data").
        for type in Self.messageTypes {
            preCreate("p2p_messages_received_total", "type", type)
            preCreate("p2p_messages_sent_total", "type", type)
        }
        for reason in ["slow", "banned", "protocol", "duplicate", "unresponsive", "idle"] { preCreate("p2p_peers_dropped_total", "reason", reason) }
        for reason in ["bad_block", "bad_range", "malformed_block", "bad_tx", "forged_header"] { preCreate("p2p_peer_bans_total", "reason", reason) }
        for reason in HandshakeRefusal.allCases.map(\.rawValue) { preCreate("p2p_handshake_failures_total", "reason", reason) }
        for topic in ["blocks", "txs"] {
            preCreate("gossip_duplicates_total", "topic", topic)
            preCreate("gossip_publications_total", "topic", topic)
        }
        for topic in ["blocks", "txs", "status"] { preCreate("gossip_dropped_total", "topic", topic) }
    }

    static let messageTypes = ["hello", "auth", "status", "block", "txs", "get_blocks", "blocks", "error"]

    private func preCreate(_ label: String, _ dimension: String, _ value: String) {
        _ = Counter(label: label, dimensions: [(dimension, value)], factory: factory)
    }

    func peers(_ count: Int) { peersConnected.record(count) }
    func queue(deepest: Int, capacity: Int) {
        queueSize.record(deepest)
        queueCapacity.record(capacity)
    }
    func sync(bestPeer: UInt64?, head: UInt64, active: Bool) {
        bestPeerHeight.record(Int64(clamping: bestPeer ?? 0))
        lag.record(Int64(clamping: (bestPeer ?? head) > head ? (bestPeer ?? head) - head : 0))
        syncing.record(active ? 1 : 0)
    }
    func syncImported(_ count: Int) { if count > 0 { syncImported.increment(by: count) } }
    /// Import time − header time of a block imported from the network.
    func propagated(milliseconds: Int64) { propagation.recordMilliseconds(max(0, milliseconds)) }
    func unlinkedBlock() { unlinked.increment() }

    func received(_ type: String) { counter("p2p_messages_received_total", "type", type) }
    func sent(_ type: String) { counter("p2p_messages_sent_total", "type", type) }
    func peerDropped(_ reason: String) { counter("p2p_peers_dropped_total", "reason", reason) }
    func peerBanned(_ reason: String) { counter("p2p_peer_bans_total", "reason", reason) }
    func handshakeFailed(_ reason: String) { counter("p2p_handshake_failures_total", "reason", reason) }
    func duplicate(_ topic: String) { counter("gossip_duplicates_total", "topic", topic) }
    func gossipDropped(_ topic: String) { counter("gossip_dropped_total", "topic", topic) }
    func published(_ topic: String, count: Int = 1) { if count > 0 { Counter(label: "gossip_publications_total", dimensions: [("topic", topic)], factory: factory).increment(by: count) } }

    private func counter(_ label: String, _ dimension: String, _ value: String) {
        Counter(label: label, dimensions: [(dimension, value)], factory: factory).increment()
    }
}
