/// Everything that can go wrong on an established WebSocket, each case mapped to the close
/// code the connection is failed with (RFC 6455 §7.1.7, §7.4.1). Descriptions never include
/// payload bytes.
public enum WebSocketError: Error, Sendable, Hashable {
    // MARK: frame header (RFC 6455 §5.2)
    /// Opcode 0x3–0x7 or 0xB–0xF: reserved for future use.
    case reservedOpcode(UInt8)
    /// An RSV bit was set that no negotiated extension defines (mask of the bits in 0x70).
    case reservedBitsSet(UInt8)
    /// A server received a frame without the mask bit (RFC 6455 §5.1).
    case unmaskedClientFrame
    /// A client received a masked frame (RFC 6455 §5.1).
    case maskedServerFrame
    /// A control frame with a payload over 125 bytes (RFC 6455 §5.5).
    case controlFrameTooLarge(length: UInt64)
    /// A control frame without FIN (RFC 6455 §5.5).
    case fragmentedControlFrame
    /// A 16- or 64-bit length that would have fit a shorter form (RFC 6455 §5.2 "minimal number of bytes").
    case nonMinimalLength(length: UInt64)
    /// A 64-bit length with the most significant bit set (RFC 6455 §5.2).
    case lengthHighBitSet
    /// A frame payload above the configured `maxFrameSize`.
    case frameTooLarge(length: UInt64, limit: Int)

    // MARK: message assembly (RFC 6455 §5.4)
    /// A continuation frame with no message in progress.
    case unexpectedContinuation
    /// A new text/binary frame while a fragmented message is still open.
    case expectedContinuation
    /// A message (after decompression) above the configured `maxMessageSize`.
    case messageTooLarge(limit: Int)
    /// A text message that is not valid UTF-8 (RFC 6455 §8.1).
    case invalidUTF8
    /// RSV1 on a control or continuation frame when permessage-deflate is on (RFC 7692 §6.1).
    case compressedFrameNotAllowed
    /// The compressed payload was not valid DEFLATE data (RFC 7692 §6.2); carries zlib's code.
    case decompressionFailed(code: Int32)

    // MARK: close frames (RFC 6455 §5.5.1, §7.4)
    /// A close payload of one byte, which cannot hold a status code.
    case invalidClosePayload
    /// A close code a peer may not send (see `WebSocketCloseCode.isValidOnWire`).
    case invalidCloseCode(UInt16)

    // MARK: connection
    /// The bounded send queue overflowed; the slow consumer was disconnected (see docs/websocket.md).
    case sendQueueOverflow(messages: Int, bytes: Int)
    /// The connection is closed (or closing); carries the close code it ended with.
    case connectionClosed(WebSocketCloseCode)
    /// The byte stream failed; carries the transport error's description.
    case transport(String)
    /// zlib could not be initialised or failed while compressing; carries zlib's code.
    case compressionFailed(code: Int32)

    /// The close code to fail the connection with for this error.
    public var closeCode: WebSocketCloseCode {
        switch self {
        case .reservedOpcode, .reservedBitsSet, .unmaskedClientFrame, .maskedServerFrame,
            .controlFrameTooLarge, .fragmentedControlFrame, .nonMinimalLength, .lengthHighBitSet,
            .unexpectedContinuation, .expectedContinuation, .compressedFrameNotAllowed,
            .invalidClosePayload, .invalidCloseCode:
            .protocolError
        case .frameTooLarge, .messageTooLarge:
            .messageTooBig
        case .invalidUTF8, .decompressionFailed:
            .invalidFramePayloadData
        case .sendQueueOverflow:
            .policyViolation
        case .connectionClosed(let code):
            code
        case .transport:
            .abnormalClosure
        case .compressionFailed:
            .internalServerError
        }
    }
}
