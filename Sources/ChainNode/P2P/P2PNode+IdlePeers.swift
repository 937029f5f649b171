import Logging
import WebSocket

/// MEDIUM-2: a client that completes the handshake and then sends nothing would hold a
/// `MAX_PEERS` slot forever (its transport may even answer WebSocket pings). Every node sends a
/// `status` at least every `statusInterval`, so a peer silent for `idleTimeout` (> 2 intervals)
/// is gone or hostile: it is closed and counted `p2p_peers_dropped_total{reason="idle"}`.
extension P2PNode {
    func idleLoop() async {
        let tick = min(Duration.seconds(1), settings.idleTimeout / 4)
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            let idle = connectedPeers.filter { $0.isIdle(timeout: settings.idleTimeout) }
            guard !idle.isEmpty else { continue }
            await withTaskGroup(of: Void.self) { group in
                for peer in idle {
                    peer.markClosed()
                    metrics.peerDropped("idle")
                    logger.warning(
                        "p2p peer idle: closed",
                        metadata: ["peer": "\(peer.keyHex.prefix(16))", "address": "\(peer.remoteAddress)", "timeout": "\(settings.idleTimeout)"])
                    group.addTask { await peer.connection.close(code: .policyViolation, reason: "idle") }
                }
            }
        }
    }
}
