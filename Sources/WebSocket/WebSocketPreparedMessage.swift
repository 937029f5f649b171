import Synchronization

/// A message encoded once for sending to many connections (see `WebSocketBroadcaster`).
///
/// The uncompressed server frame is built at init and shared by every server connection
/// without compression. Compressed frames are cached per compressor setting for connections
/// whose compressor resets per message (no context takeover), since those produce identical
/// bytes; connections with context takeover compress individually.
public final class WebSocketPreparedMessage: Sendable {
    /// Compressor settings that determine the compressed bytes of a context-free message.
    struct CompressionKey: Hashable, Sendable {
        var windowBits: Int
        var level: Int32
        var memoryLevel: Int32
    }

    /// The message as given.
    public let message: WebSocketMessage
    let opcode: WebSocketOpcode
    let payload: [UInt8]
    /// The complete unmasked, uncompressed frame (what a server sends without deflate).
    let plainFrame: [UInt8]
    private let compressedFrames = Mutex<[CompressionKey: [UInt8]]>([:])

    /// Encodes `message` as a single unfragmented frame.
    public init(_ message: WebSocketMessage) {
        self.message = message
        opcode = message.opcode
        payload = message.payload
        plainFrame = WebSocketFrameEncoder.encode(WebSocketFrame(opcode: opcode, payload: payload))
    }

    /// The compressed server frame for `key`, computing it with `compress` on first use.
    func compressedFrame(
        for key: CompressionKey, compress: ([UInt8]) throws(WebSocketError) -> [UInt8]
    ) throws(WebSocketError) -> [UInt8] {
        if let cached = compressedFrames.withLock({ $0[key] }) { return cached }
        let frame = WebSocketFrameEncoder.encode(WebSocketFrame(rsv1: true, opcode: opcode, payload: try compress(payload)))
        compressedFrames.withLock { $0[key] = frame }
        return frame
    }
}
