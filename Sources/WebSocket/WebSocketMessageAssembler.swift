/// Turns decoded frames into messages and control events (RFC 6455 §5.4–§5.5): joins
/// fragments, decompresses (RFC 7692), enforces the message limit and validates text as UTF-8
/// fragment by fragment, so invalid data fails fast even when split across frames.
struct WebSocketMessageAssembler {
    /// What one frame produced.
    enum Event: Sendable, Equatable {
        /// A complete data message.
        case message(WebSocketMessage)
        /// A ping to answer with a pong carrying the same payload (§5.5.2).
        case ping([UInt8])
        /// A pong (unsolicited or answering our ping).
        case pong([UInt8])
        /// The peer's close frame: its code (`nil` when the payload was empty) and reason.
        case close(WebSocketCloseCode?, String)
    }

    /// The message being reassembled.
    private struct Partial {
        var opcode: WebSocketOpcode
        var compressed: Bool
        var bytes: [UInt8]
        var validator: UTF8Validator?
    }

    let maxMessageSize: Int
    private let decompressor: DeflateDecompressor?
    private var partial: Partial?

    /// - Parameter decompressor: present when permessage-deflate was negotiated.
    init(maxMessageSize: Int, decompressor: DeflateDecompressor?) {
        self.maxMessageSize = maxMessageSize
        self.decompressor = decompressor
    }

    /// Whether a fragmented message is in progress.
    var isAssembling: Bool { partial != nil }

    /// Consumes one frame.
    /// - Returns: an event, or `nil` for a non-final data fragment.
    /// - Throws: `WebSocketError` for fragmentation, size, UTF-8, compression or close-frame violations.
    mutating func accept(_ frame: WebSocketFrame) throws(WebSocketError) -> Event? {
        if frame.opcode.isControl {
            // RFC 7692 §6.1: RSV1 only on the first frame of a data message.
            if frame.rsv1 { throw .compressedFrameNotAllowed }
            switch frame.opcode {
            case .ping: return .ping(frame.payload)
            case .pong: return .pong(frame.payload)
            default: return try Self.parseClose(frame.payload)
            }
        }
        var current: Partial
        if frame.opcode == .continuation {
            // take() leaves `partial` empty, so the buffer has one owner and appends below
            // never copy it (copy-on-write would make many small fragments quadratic).
            guard let existing = partial.take() else { throw .unexpectedContinuation }
            if frame.rsv1 { throw .compressedFrameNotAllowed }
            current = consume existing
        } else {
            guard partial == nil else { throw .expectedContinuation }
            if frame.rsv1 && decompressor == nil { throw .reservedBitsSet(0x40) }
            current = Partial(
                opcode: frame.opcode, compressed: frame.rsv1, bytes: [],
                validator: frame.opcode == .text ? UTF8Validator() : nil)
        }
        // On any throw below the partial message is dropped; the connection fails anyway.
        let budget = maxMessageSize - current.bytes.count
        var data = frame.payload
        if current.compressed, let decompressor {
            data = try decompressor.decompress(frame.payload, isFinal: frame.fin, budget: budget, limit: maxMessageSize)
        } else if data.count > budget {
            throw .messageTooLarge(limit: maxMessageSize)
        }
        if current.validator != nil {
            guard current.validator?.feed(data) == true else { throw .invalidUTF8 }
        }
        current.bytes.append(contentsOf: data)
        guard frame.fin else {
            partial = current
            return nil
        }
        if let validator = current.validator {
            guard validator.isComplete else { throw .invalidUTF8 }
            return .message(.text(String(decoding: current.bytes, as: UTF8.self)))
        }
        return .message(.binary(current.bytes))
    }

    /// Reads a close payload: empty, or a 2-byte code plus a UTF-8 reason (RFC 6455 §5.5.1, §7.4).
    static func parseClose(_ payload: [UInt8]) throws(WebSocketError) -> Event {
        guard !payload.isEmpty else { return .close(nil, "") }
        guard payload.count >= 2 else { throw .invalidClosePayload }
        let code = WebSocketCloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
        guard code.isValidOnWire else { throw .invalidCloseCode(code.rawValue) }
        let reason = payload.dropFirst(2)
        var validator = UTF8Validator()
        guard validator.feed(reason), validator.isComplete else { throw .invalidUTF8 }
        return .close(code, String(decoding: reason, as: UTF8.self))
    }

    /// The payload of a close frame with `code` and a reason cut to fit 125 bytes on a UTF-8 boundary.
    static func closePayload(code: WebSocketCloseCode?, reason: String) -> [UInt8] {
        guard let code else { return [] }
        var reasonBytes = Array(reason.utf8.prefix(123))
        // Trim a code point cut in half by the 123-byte cap.
        while !reasonBytes.isEmpty {
            var validator = UTF8Validator()
            if validator.feed(reasonBytes), validator.isComplete { break }
            reasonBytes.removeLast()
        }
        return [UInt8(truncatingIfNeeded: code.rawValue >> 8), UInt8(truncatingIfNeeded: code.rawValue)] + reasonBytes
    }
}
