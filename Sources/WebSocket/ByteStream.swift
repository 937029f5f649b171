/// A full-duplex byte stream that a WebSocket runs over once the HTTP upgrade is done.
///
/// The HTTP server and the HTTP client each provide one over their socket, so the
/// WebSocket connection logic is written once and tested over in-memory streams.
public protocol ByteStream: Sendable {
    /// The next chunk of received bytes, or `nil` at orderly end of stream.
    /// - Throws: the transport's error when the connection fails or times out.
    func read() async throws -> [UInt8]?
    /// Writes every byte, suspending while the kernel send buffer is full (backpressure).
    /// - Throws: the transport's error when the peer is gone.
    func write(_ bytes: [UInt8]) async throws
    /// Closes both directions; further reads return `nil`, writes throw.
    func close() async
}
