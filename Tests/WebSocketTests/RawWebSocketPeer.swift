import TestSupport
@testable import WebSocket

/// A hand-driven peer for connection tests: writes exact frames and decodes what comes back,
/// so tests can send what a conforming `WebSocketConnection` never would.
final class RawWebSocketPeer: @unchecked Sendable {
    // Used by one test task at a time; the decoder is not shared.
    let stream: InMemoryByteStream
    private var decoder: WebSocketFrameDecoder
    let role: WebSocketRole

    init(stream: InMemoryByteStream, role: WebSocketRole, allowedReservedBits: UInt8 = 0) {
        self.stream = stream
        self.role = role
        decoder = WebSocketFrameDecoder(configuration: .init(role: role, maxFrameSize: 1 << 24, allowedReservedBits: allowedReservedBits))
    }

    /// Sends a frame, masked with a fixed key when acting as a client.
    func send(_ frame: WebSocketFrame) async throws {
        var frame = frame
        if role == .client && frame.maskKey == nil { frame.maskKey = 0x1234_5678 }
        try await stream.write(WebSocketFrameEncoder.encode(frame))
    }

    func sendRaw(_ bytes: [UInt8]) async throws {
        try await stream.write(bytes)
    }

    /// The next frame from the connection under test, or `nil` at end of stream.
    func nextFrame() async throws -> WebSocketFrame? {
        while true {
            if let frame = try decoder.nextFrame() { return frame }
            guard let bytes = try await stream.read() else { return nil }
            decoder.append(bytes)
        }
    }

    /// Reads frames until a close frame and returns its code (nil for an empty close).
    func expectClose() async throws -> (code: UInt16?, frames: [WebSocketFrame]) {
        var seen: [WebSocketFrame] = []
        while let frame = try await nextFrame() {
            if frame.opcode == .close {
                let code = frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : nil
                return (code, seen)
            }
            seen.append(frame)
        }
        Issue.record("stream ended without a close frame")
        return (nil, seen)
    }
}

import Testing

/// A server connection with a raw client peer.
func makeServerWithRawClient(
    configuration: WebSocketConfiguration = .init(), capacity: Int = 64 * 1024, deflate: PerMessageDeflateParameters? = nil,
    compression: PerMessageDeflateConfiguration = .init()
) throws -> (WebSocketConnection, RawWebSocketPeer) {
    let (serverEnd, clientEnd) = InMemoryByteStream.makePair(capacity: capacity)
    let server = try WebSocketConnection(
        stream: serverEnd, role: .server, configuration: configuration, deflate: deflate, compression: compression)
    return (server, RawWebSocketPeer(stream: clientEnd, role: .client, allowedReservedBits: deflate == nil ? 0 : 0x40))
}

/// A connected server and client pair.
func makeConnectedPair(
    configuration: WebSocketConfiguration = .init(), maxReadSize: Int = 64 * 1024, deflate: PerMessageDeflateParameters? = nil,
    compression: PerMessageDeflateConfiguration = .init()
) throws -> (server: WebSocketConnection, client: WebSocketConnection) {
    let (serverEnd, clientEnd) = InMemoryByteStream.makePair(maxReadSize: maxReadSize)
    return (
        try WebSocketConnection(stream: serverEnd, role: .server, configuration: configuration, deflate: deflate, compression: compression),
        try WebSocketConnection(stream: clientEnd, role: .client, configuration: configuration, deflate: deflate, compression: compression)
    )
}
