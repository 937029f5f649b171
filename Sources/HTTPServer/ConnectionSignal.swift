import Synchronization

/// What a handler may learn about its connection while it runs: whether the peer has gone
/// (end of file read, or the connection closed). A long poll checks it before it commits work
/// to an answer nobody will read — a job assigned to a poll whose miner hung up would sit
/// RUNNING until the miner's heartbeat timed out (issue 10 review).
///
/// The server still answers every request after a half-close (RFC 9112 §9.6 lets a client
/// close its sending side and read on); handlers decide whether a gone peer matters.
public final class ConnectionSignal: Sendable {
    private let closed = Atomic<Bool>(false)

    /// A signal whose peer is present.
    public init() {}

    /// Whether the peer closed its side or the connection is gone.
    public var peerClosed: Bool { closed.load(ordering: .acquiring) }

    /// Marks the peer gone (the connection does this).
    public func markPeerClosed() { closed.store(true, ordering: .releasing) }
}
