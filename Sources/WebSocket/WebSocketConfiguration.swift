/// Per-connection limits and the slow-consumer policy. Every buffer a connection keeps is
/// bounded by one of these; see docs/websocket.md for the reasoning behind the defaults.
public struct WebSocketConfiguration: Sendable, Hashable {
    /// Largest payload of one received frame (default 1 MiB); larger fails with 1009.
    public var maxFrameSize: Int
    /// Largest received message after reassembly and decompression (default 4 MiB); larger fails with 1009.
    public var maxMessageSize: Int
    /// Most frames waiting in the send queue (default 256). One more closes the connection.
    public var maxQueuedMessages: Int
    /// Most bytes waiting in the send queue (default 4 MiB). A message is always accepted
    /// into an empty queue, so one large message never trips the limit on its own.
    public var maxQueuedBytes: Int
    /// Close code sent to a consumer whose queue overflows (default 1008 policy violation;
    /// the coordinator's lagging-subscriber rule uses 1013 try again later).
    public var slowConsumerCloseCode: WebSocketCloseCode
    /// How long `close(code:reason:)` waits for the peer's close frame before dropping the stream.
    public var closeTimeout: Duration

    /// Makes a configuration with the documented defaults.
    public init(
        maxFrameSize: Int = 1 << 20, maxMessageSize: Int = 4 << 20,
        maxQueuedMessages: Int = 256, maxQueuedBytes: Int = 4 << 20,
        slowConsumerCloseCode: WebSocketCloseCode = .policyViolation, closeTimeout: Duration = .seconds(10)
    ) {
        self.maxFrameSize = max(125, maxFrameSize)
        self.maxMessageSize = max(0, maxMessageSize)
        self.maxQueuedMessages = max(1, maxQueuedMessages)
        self.maxQueuedBytes = max(1, maxQueuedBytes)
        self.slowConsumerCloseCode = slowConsumerCloseCode
        self.closeTimeout = closeTimeout
    }
}
