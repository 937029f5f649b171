/// A frame opcode (RFC 6455 §5.2). Only the six defined values exist; the decoder
/// rejects the reserved ones (0x3–0x7, 0xB–0xF) before a value of this type is made.
public enum WebSocketOpcode: UInt8, Sendable, Hashable, CaseIterable {
    /// A continuation of a fragmented data message.
    case continuation = 0x0
    /// The first (or only) frame of a UTF-8 text message.
    case text = 0x1
    /// The first (or only) frame of a binary message.
    case binary = 0x2
    /// Connection close (RFC 6455 §5.5.1).
    case close = 0x8
    /// Ping (RFC 6455 §5.5.2).
    case ping = 0x9
    /// Pong (RFC 6455 §5.5.3).
    case pong = 0xA

    /// Control frames have the high bit of the opcode set (RFC 6455 §5.5).
    public var isControl: Bool { rawValue & 0x8 != 0 }
}

/// Which end of the connection this endpoint is; it decides the masking rules (RFC 6455 §5.1).
public enum WebSocketRole: Sendable, Hashable {
    /// Accepted the upgrade; receives masked frames, sends unmasked ones.
    case server
    /// Initiated the upgrade; receives unmasked frames, sends masked ones.
    case client
}
