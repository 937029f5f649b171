/// One WebSocket frame (RFC 6455 §5.2) with its payload already unmasked.
///
/// `maskKey` says how the frame is (or was) masked on the wire; the encoder applies it,
/// the decoder removes it, so `payload` is always application data.
public struct WebSocketFrame: Sendable, Hashable {
    /// Final fragment of a message.
    public var fin: Bool
    /// RSV1; permessage-deflate uses it to mark a compressed message (RFC 7692 §6).
    public var rsv1: Bool
    /// RSV2; no extension we implement uses it.
    public var rsv2: Bool
    /// RSV3; no extension we implement uses it.
    public var rsv3: Bool
    /// The frame's opcode.
    public var opcode: WebSocketOpcode
    /// The 32-bit masking key, most significant byte first as on the wire, or `nil` when unmasked.
    public var maskKey: UInt32?
    /// Unmasked payload bytes.
    public var payload: [UInt8]

    /// Makes a frame; defaults describe an unmasked, unfragmented frame without extension bits.
    public init(
        fin: Bool = true, rsv1: Bool = false, rsv2: Bool = false, rsv3: Bool = false,
        opcode: WebSocketOpcode, maskKey: UInt32? = nil, payload: [UInt8] = []
    ) {
        self.fin = fin
        self.rsv1 = rsv1
        self.rsv2 = rsv2
        self.rsv3 = rsv3
        self.opcode = opcode
        self.maskKey = maskKey
        self.payload = payload
    }

    /// The RSV bits as they sit in the first header byte (mask 0x70).
    public var reservedBits: UInt8 {
        (rsv1 ? 0x40 : 0) | (rsv2 ? 0x20 : 0) | (rsv3 ? 0x10 : 0)
    }
}

extension WebSocketFrame {
    /// XORs `bytes` in place with `key` (RFC 6455 §5.3); the same call masks and unmasks.
    /// `offset` is the payload position of `bytes[0]`, so a payload can be unmasked in pieces.
    static func applyMask(_ key: UInt32, to bytes: inout [UInt8], offset: Int = 0) {
        let keyBytes: [UInt8] = [
            UInt8(truncatingIfNeeded: key >> 24), UInt8(truncatingIfNeeded: key >> 16),
            UInt8(truncatingIfNeeded: key >> 8), UInt8(truncatingIfNeeded: key),
        ]
        // The key repeats every 4 bytes, so an 8-byte pattern starting at `offset` lets the
        // bulk of the payload be XORed a word at a time (every client frame is masked).
        let pattern: [UInt8] = (0..<8).map { keyBytes[($0 &+ offset) & 3] }
        let word = pattern.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        bytes.withUnsafeMutableBytes { raw in
            var index = 0
            while index + 8 <= raw.count {
                let value = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                raw.storeBytes(of: value ^ word, toByteOffset: index, as: UInt64.self)
                index += 8
            }
            while index < raw.count {
                raw[index] ^= pattern[index & 7]
                index += 1
            }
        }
    }
}
