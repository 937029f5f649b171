/// The WebSocket RPC's limits (docs/chain-node.md "WebSocket RPC"; `WS_*` settings). Every
/// buffer the RPC keeps per subscriber is bounded by one of these.
public struct WebSocketRPCSettings: Sendable, Equatable {
    /// `WS_MAX_CONNECTIONS`: open sockets at most; an upgrade past it is answered 503.
    public var maxConnections = 2_000
    /// `WS_QUEUE_SIZE`: frames waiting for one socket at most; a socket that would need more
    /// is closed with 4008 `resume_since=<h>`.
    public var queueSize = 4_096
    /// `WS_QUEUE_BYTES`: bytes waiting for one socket at most (the same rule): a block frame
    /// lists every transaction id, so the frame count alone would not bound memory.
    public var queueBytes = 16 << 20
    /// `WS_PING_INTERVAL_SECONDS`: a ping this often; no pong by the next one closes (1011).
    public var pingInterval: Duration = .seconds(20)
    /// `WS_MAX_BACKFILL_BLOCKS`: blocks one `since` may ask for; more is `SINCE_TOO_OLD`.
    public var maxBackfillBlocks: UInt64 = 10_000
    /// Subscriptions one `/rpc/ws` socket may hold.
    public var maxSubscriptions = 32
    /// Largest message a client may send (a subscribe request is far smaller); larger closes with 1009.
    public var maxMessageBytes = 64 << 10
    /// How long a close waits for the client's close frame before dropping the socket.
    public var closeTimeout: Duration = .seconds(10)

    /// The documented defaults.
    public init() {}
}
