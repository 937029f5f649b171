/// Serialises frames to wire bytes (RFC 6455 §5.2), always with the minimal length form.
public enum WebSocketFrameEncoder {
    /// Size of the header (2–14 bytes) for a payload of `length` bytes.
    public static func headerSize(payloadLength length: Int, masked: Bool) -> Int {
        let lengthBytes = length < 126 ? 0 : (length <= 0xFFFF ? 2 : 8)
        return 2 + lengthBytes + (masked ? 4 : 0)
    }

    /// Encodes one frame, masking the payload when `frame.maskKey` is set.
    public static func encode(_ frame: WebSocketFrame) -> [UInt8] {
        var out: [UInt8] = []
        encode(frame, into: &out)
        return out
    }

    /// Appends one encoded frame to `out`, so several frames can share one write.
    public static func encode(_ frame: WebSocketFrame, into out: inout [UInt8]) {
        let length = frame.payload.count
        out.reserveCapacity(out.count + headerSize(payloadLength: length, masked: frame.maskKey != nil) + length)
        out.append((frame.fin ? 0x80 : 0) | frame.reservedBits | frame.opcode.rawValue)
        let maskBit: UInt8 = frame.maskKey == nil ? 0 : 0x80
        if length < 126 {
            out.append(maskBit | UInt8(truncatingIfNeeded: length))
        } else if length <= 0xFFFF {
            out.append(maskBit | 126)
            out.append(UInt8(truncatingIfNeeded: length >> 8))
            out.append(UInt8(truncatingIfNeeded: length))
        } else {
            out.append(maskBit | 127)
            let wide = UInt64(length)
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: wide >> UInt64(shift)))
            }
        }
        guard let key = frame.maskKey else {
            out.append(contentsOf: frame.payload)
            return
        }
        for shift in [24, 16, 8, 0] as [UInt32] {
            out.append(UInt8(truncatingIfNeeded: key >> shift))
        }
        var masked = frame.payload
        WebSocketFrame.applyMask(key, to: &masked)
        out.append(contentsOf: masked)
    }
}
