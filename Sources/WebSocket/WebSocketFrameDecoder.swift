/// Incremental WebSocket frame decoder (RFC 6455 §5.2): bytes in, frames out.
///
/// Feed whatever the transport delivers with `append(_:)`, then call `nextFrame()` until it
/// returns `nil`. Input may be split anywhere (drip-fed) or hold many frames. The decoder is
/// an explicit state machine over an internal buffer; the buffer never holds more than one
/// frame's header and payload (bounded by `maxFrameSize`) plus the unread part of the last
/// appended chunk. After an error the decoder stays failed: the connection must be closed.
public struct WebSocketFrameDecoder: Sendable {
    /// Limits and the rules that depend on the negotiated connection.
    public struct Configuration: Sendable, Hashable {
        /// This endpoint's role: a server requires masked frames, a client rejects them.
        public var role: WebSocketRole
        /// Largest payload accepted in one frame; larger lengths fail with `frameTooLarge` (1009).
        public var maxFrameSize: Int
        /// RSV bits an extension negotiated (0x40 for permessage-deflate); others fail with `reservedBitsSet`.
        public var allowedReservedBits: UInt8

        /// Makes a configuration; 1 MiB frames and no RSV bits by default.
        public init(role: WebSocketRole, maxFrameSize: Int = 1 << 20, allowedReservedBits: UInt8 = 0) {
            self.role = role
            self.maxFrameSize = max(125, maxFrameSize)
            self.allowedReservedBits = allowedReservedBits & 0x70
        }
    }

    /// Where in a frame the decoder is. Each state names the bytes it waits for.
    enum State: Sendable {
        /// Waiting for the two fixed header bytes.
        case header
        /// Have the fixed header; waiting for the 2- or 8-byte extended length.
        case extendedLength(Header, byteCount: Int)
        /// Have the length; waiting for the 4-byte masking key.
        case maskKey(Header, length: Int)
        /// Waiting for `length` payload bytes.
        case payload(Header, length: Int, maskKey: UInt32?)
        /// A protocol violation was seen; every later call rethrows it.
        case failed(WebSocketError)
    }

    /// The parsed first two header bytes.
    struct Header: Sendable {
        var fin: Bool
        var reservedBits: UInt8
        var opcode: WebSocketOpcode
        var masked: Bool
    }

    /// The configuration this decoder enforces.
    public let configuration: Configuration
    private var state: State = .header
    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// Makes a decoder in the idle state.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Bytes received but not yet returned as part of a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether the decoder sits exactly between frames (nothing partial buffered).
    public var isAtFrameBoundary: Bool {
        if case .header = state { return bufferedByteCount == 0 }
        return false
    }

    /// Adds received bytes; they are consumed by later `nextFrame()` calls.
    public mutating func append(_ bytes: [UInt8]) {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            // Compact so consumed frames do not pin memory; amortised O(1) per byte.
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete frame, or `nil` when more bytes are needed.
    /// - Throws: `WebSocketError` for any header violation or size limit; the decoder then stays failed.
    public mutating func nextFrame() throws(WebSocketError) -> WebSocketFrame? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .header:
                guard bufferedByteCount >= 2 else { return nil }
                let first = buffer[readIndex]
                let second = buffer[readIndex + 1]
                readIndex += 2
                let header: Header
                do { header = try parseHeader(first, second) } catch { return try fail(error) }
                let length7 = Int(second & 0x7F)
                switch length7 {
                case 126: state = .extendedLength(header, byteCount: 2)
                case 127: state = .extendedLength(header, byteCount: 8)
                default: state = header.masked ? .maskKey(header, length: length7) : .payload(header, length: length7, maskKey: nil)
                }
            case .extendedLength(let header, let byteCount):
                guard bufferedByteCount >= byteCount else { return nil }
                var length: UInt64 = 0
                for offset in 0..<byteCount {
                    length = (length << 8) | UInt64(buffer[readIndex + offset])
                }
                readIndex += byteCount
                let checked: Int
                do { checked = try checkLength(length, byteCount: byteCount) } catch { return try fail(error) }
                state = header.masked ? .maskKey(header, length: checked) : .payload(header, length: checked, maskKey: nil)
            case .maskKey(let header, let length):
                guard bufferedByteCount >= 4 else { return nil }
                var key: UInt32 = 0
                for offset in 0..<4 {
                    key = (key << 8) | UInt32(buffer[readIndex + offset])
                }
                readIndex += 4
                state = .payload(header, length: length, maskKey: key)
            case .payload(let header, let length, let maskKey):
                guard bufferedByteCount >= length else { return nil }
                var payload = Array(buffer[readIndex..<(readIndex + length)])
                readIndex += length
                if let maskKey { WebSocketFrame.applyMask(maskKey, to: &payload) }
                state = .header
                if readIndex == buffer.count {
                    buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 16)
                    readIndex = 0
                }
                return WebSocketFrame(
                    fin: header.fin, rsv1: header.reservedBits & 0x40 != 0, rsv2: header.reservedBits & 0x20 != 0,
                    rsv3: header.reservedBits & 0x10 != 0, opcode: header.opcode, maskKey: maskKey, payload: payload)
            }
        }
    }

    /// Moves to `.failed` and throws, so the decoder never resumes mid-frame after a violation.
    private mutating func fail(_ error: WebSocketError) throws(WebSocketError) -> WebSocketFrame? {
        state = .failed(error)
        throw error
    }

    /// Validates the two fixed header bytes (RFC 6455 §5.1, §5.2, §5.5).
    private func parseHeader(_ first: UInt8, _ second: UInt8) throws(WebSocketError) -> Header {
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else {
            throw .reservedOpcode(first & 0x0F)
        }
        let reserved = first & 0x70
        if reserved & ~configuration.allowedReservedBits != 0 {
            throw .reservedBitsSet(reserved & ~configuration.allowedReservedBits)
        }
        let fin = first & 0x80 != 0
        let masked = second & 0x80 != 0
        switch configuration.role {
        case .server where !masked: throw .unmaskedClientFrame
        case .client where masked: throw .maskedServerFrame
        default: break
        }
        if opcode.isControl {
            if !fin { throw .fragmentedControlFrame }
            let length7 = second & 0x7F
            if length7 > 125 { throw .controlFrameTooLarge(length: UInt64(length7)) }
        }
        return Header(fin: fin, reservedBits: reserved, opcode: opcode, masked: masked)
    }

    /// Checks an extended length: minimal encoding, high bit clear, within `maxFrameSize`.
    private func checkLength(_ length: UInt64, byteCount: Int) throws(WebSocketError) -> Int {
        if byteCount == 8 {
            if length & (1 << 63) != 0 { throw .lengthHighBitSet }
            if length <= 0xFFFF { throw .nonMinimalLength(length: length) }
        } else if length < 126 {
            throw .nonMinimalLength(length: length)
        }
        // maxFrameSize is an Int, so a length within it always converts without trapping.
        guard length <= UInt64(configuration.maxFrameSize), let checked = Int(exactly: length) else {
            throw .frameTooLarge(length: length, limit: configuration.maxFrameSize)
        }
        return checked
    }
}
