/// Builds the wire bytes of outgoing frames for one connection: masks for a client
/// (RFC 6455 §5.3, a fresh random key per frame), never for a server, and compresses data
/// messages when permessage-deflate is on. Lives inside the send queue's lock, so messages
/// are compressed in exactly the order they are queued (context takeover depends on it).
struct WebSocketOutboundEncoder {
    let role: WebSocketRole
    private let compressor: DeflateCompressor?
    /// Set when the compressor resets per message, so its output can be shared between connections.
    private let shareableKey: WebSocketPreparedMessage.CompressionKey?
    private let minimumCompressedSize: Int

    /// - Throws: `WebSocketError.compressionFailed` when zlib cannot start.
    init(role: WebSocketRole, deflate: PerMessageDeflateParameters?, configuration: PerMessageDeflateConfiguration) throws(WebSocketError) {
        self.role = role
        minimumCompressedSize = configuration.minimumCompressedSize
        guard let deflate else {
            compressor = nil
            shareableKey = nil
            return
        }
        let windowBits = role == .server ? deflate.serverMaxWindowBits : deflate.clientMaxWindowBits
        let noContextTakeover = role == .server ? deflate.serverNoContextTakeover : deflate.clientNoContextTakeover
        compressor = try DeflateCompressor(
            windowBits: windowBits, level: configuration.compressionLevel, memoryLevel: configuration.memoryLevel,
            noContextTakeover: noContextTakeover)
        shareableKey = noContextTakeover
            ? .init(windowBits: windowBits, level: configuration.compressionLevel, memoryLevel: configuration.memoryLevel) : nil
    }

    /// Encodes a data message as one frame, compressed when worthwhile.
    /// - Throws: `WebSocketError.compressionFailed` from zlib.
    func encodeData(opcode: WebSocketOpcode, payload: [UInt8]) throws(WebSocketError) -> [UInt8] {
        if let compressor, payload.count >= minimumCompressedSize {
            return frame(opcode: opcode, payload: try compressor.compress(payload), rsv1: true)
        }
        return frame(opcode: opcode, payload: payload, rsv1: false)
    }

    /// Encodes a prepared message, reusing its shared bytes whenever this connection's output
    /// would be identical to them.
    /// - Throws: `WebSocketError.compressionFailed` from zlib.
    func encode(_ prepared: WebSocketPreparedMessage) throws(WebSocketError) -> [UInt8] {
        guard role == .server else { return try encodeData(opcode: prepared.opcode, payload: prepared.payload) }
        guard let compressor, prepared.payload.count >= minimumCompressedSize else { return prepared.plainFrame }
        guard let shareableKey else { return try encodeData(opcode: prepared.opcode, payload: prepared.payload) }
        return try prepared.compressedFrame(for: shareableKey) { (payload: [UInt8]) throws(WebSocketError) in
            try compressor.compress(payload)
        }
    }

    /// Encodes a control frame (never compressed, RFC 7692 §6.1).
    func encodeControl(opcode: WebSocketOpcode, payload: [UInt8]) -> [UInt8] {
        frame(opcode: opcode, payload: payload, rsv1: false)
    }

    private func frame(opcode: WebSocketOpcode, payload: [UInt8], rsv1: Bool) -> [UInt8] {
        let maskKey: UInt32? = role == .client ? UInt32.random(in: .min ... .max) : nil
        return WebSocketFrameEncoder.encode(WebSocketFrame(rsv1: rsv1, opcode: opcode, maskKey: maskKey, payload: payload))
    }
}
