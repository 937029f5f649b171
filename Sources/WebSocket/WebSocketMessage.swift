/// A complete data message, reassembled from its fragments and decompressed.
public enum WebSocketMessage: Sendable, Hashable {
    /// A text message; already validated as UTF-8.
    case text(String)
    /// A binary message.
    case binary([UInt8])

    /// The frame opcode the message is sent with.
    var opcode: WebSocketOpcode {
        switch self {
        case .text: .text
        case .binary: .binary
        }
    }

    /// The payload bytes (UTF-8 for text).
    var payload: [UInt8] {
        switch self {
        case .text(let text): Array(text.utf8)
        case .binary(let bytes): bytes
        }
    }
}
