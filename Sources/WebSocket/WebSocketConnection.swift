import Synchronization

/// An established WebSocket over any `ByteStream`, for either role (RFC 6455 §5–§7).
///
/// - Receiving is pull-based: `receive()` (or iterating `messages`) reads the stream, answers
///   pings, completes the close handshake and returns data messages. Keep one receive loop
///   running, even if the application ignores inbound data, so pings and closes are handled.
/// - Sending never waits for the peer: `send` encodes into a bounded per-connection queue
///   that a writer task drains; see `WebSocketConfiguration` for the slow-consumer policy.
/// - `close(code:reason:)` runs the closing handshake and returns once the stream is closed.
public final class WebSocketConnection: Sendable {
    private struct Inbound {
        var decoder: WebSocketFrameDecoder
        var assembler: WebSocketMessageAssembler
        var readerActive = false
        var ended = false
        var pongsReceived = 0
    }

    /// What one pass over buffered frames produced.
    private enum Step {
        case event(WebSocketMessageAssembler.Event)
        case needBytes
        case failed(WebSocketError)
        case ended
    }

    /// Which end this is.
    public let role: WebSocketRole
    /// The limits in force.
    public let configuration: WebSocketConfiguration
    /// The negotiated compression, if any.
    public let deflate: PerMessageDeflateParameters?
    private let queue: WebSocketSendQueue
    private let inbound: Mutex<Inbound>

    /// Starts a connection over a stream whose HTTP upgrade is complete.
    /// - Parameters:
    ///   - deflate: parameters negotiated in the handshake, or `nil` for no compression.
    ///   - compression: local zlib level, memory level and minimum size for compressing.
    /// - Throws: `WebSocketError.compressionFailed` when zlib cannot start.
    public init(
        stream: any ByteStream, role: WebSocketRole, configuration: WebSocketConfiguration = .init(),
        deflate: PerMessageDeflateParameters? = nil, compression: PerMessageDeflateConfiguration = .init()
    ) throws(WebSocketError) {
        self.role = role
        self.configuration = configuration
        self.deflate = deflate
        let decompressor = try deflate.map { (parameters) throws(WebSocketError) in
            try DeflateDecompressor(
                noContextTakeover: role == .server ? parameters.clientNoContextTakeover : parameters.serverNoContextTakeover)
        }
        let decoder = WebSocketFrameDecoder(
            configuration: .init(role: role, maxFrameSize: configuration.maxFrameSize, allowedReservedBits: deflate == nil ? 0 : 0x40))
        inbound = Mutex(Inbound(
            decoder: decoder, assembler: WebSocketMessageAssembler(maxMessageSize: configuration.maxMessageSize, decompressor: decompressor)))
        let encoder = try WebSocketOutboundEncoder(role: role, deflate: deflate, configuration: compression)
        queue = WebSocketSendQueue(stream: stream, encoder: encoder, configuration: configuration)
        Task { [queue] in await queue.runWriter() }
    }

    deinit {
        // Nobody can send or receive any more: let the writer flush and close the stream.
        queue.streamEnded()
    }

    /// The close code and reason once the connection is closing or closed: the peer's for a
    /// handshake it started, ours otherwise; 1006 when the stream ended without one.
    public var closeStatus: (code: WebSocketCloseCode, reason: String)? { queue.closeStatus }

    /// Whether the stream has been closed.
    public var isClosed: Bool { queue.isFinished }

    /// Frames waiting in the send queue (not yet handed to the stream).
    public var queuedFrameCount: Int { queue.queuedFrameCount }

    /// Pongs received so far (for keepalive checks by the owner).
    public var pongsReceived: Int { inbound.withLock { $0.pongsReceived } }

    // MARK: sending

    /// Queues a text message.
    /// - Throws: `WebSocketError.connectionClosed` after close; `.sendQueueOverflow` when the
    ///   slow-consumer policy closed the connection; `.compressionFailed` from zlib.
    public func send(text: String) throws(WebSocketError) {
        try send(.text(text))
    }

    /// Queues a binary message.
    /// - Throws: like `send(text:)`.
    public func send(binary: [UInt8]) throws(WebSocketError) {
        try send(.binary(binary))
    }

    /// Queues a message.
    /// - Throws: like `send(text:)`.
    public func send(_ message: WebSocketMessage) throws(WebSocketError) {
        let opcode = message.opcode
        let payload = message.payload
        try queue.enqueueData { (encoder: borrowing WebSocketOutboundEncoder) throws(WebSocketError) in
            try encoder.encodeData(opcode: opcode, payload: payload)
        }
    }

    /// Queues a message encoded once for many connections (used by `WebSocketBroadcaster`).
    /// - Throws: like `send(text:)`.
    public func send(_ prepared: WebSocketPreparedMessage) throws(WebSocketError) {
        try queue.enqueueData { (encoder: borrowing WebSocketOutboundEncoder) throws(WebSocketError) in
            try encoder.encode(prepared)
        }
    }

    /// Queues a ping (payload cut to 125 bytes, RFC 6455 §5.5); the peer's pong shows up in `pongsReceived`.
    /// - Throws: like `send(text:)`.
    public func ping(_ payload: [UInt8] = []) throws(WebSocketError) {
        try queue.enqueuePing(Array(payload.prefix(125)))
    }

    // MARK: receiving

    /// Received data messages as an async sequence; ends after the close handshake.
    public var messages: WebSocketInboundMessages { WebSocketInboundMessages(connection: self) }

    /// The next data message, or `nil` once the connection is closed (handshake done, or we
    /// are closing). Answers pings and close frames on the way. One receiver at a time.
    /// - Throws: the `WebSocketError` a protocol violation failed the connection with (its
    ///   close frame was already queued), `.transport` when the stream failed, and
    ///   `.connectionClosed(.abnormalClosure)` when the stream ended without a close frame.
    public func receive() async throws(WebSocketError) -> WebSocketMessage? {
        let acquired = inbound.withLock { state in
            if state.readerActive { return false }
            state.readerActive = true
            return true
        }
        guard acquired else {
            // close() may be draining the stream; anything else is two concurrent receivers.
            precondition(queue.closeStatus != nil, "WebSocketConnection.receive() called concurrently")
            return nil
        }
        defer { inbound.withLock { $0.readerActive = false } }
        return try await receiveHoldingReader()
    }

    private func receiveHoldingReader() async throws(WebSocketError) -> WebSocketMessage? {
        while true {
            switch nextStep() {
            case .event(.message(let message)):
                return message
            case .event(.ping(let payload)):
                queue.enqueuePong(payload)
            case .event(.pong):
                inbound.withLock { $0.pongsReceived += 1 }
            case .event(.close(let code, let reason)):
                queue.receivedClose(code: code, reason: reason)
                return nil
            case .failed(let error):
                queue.fail(error)
                throw error
            case .ended:
                return nil
            case .needBytes:
                let bytes: [UInt8]?
                do {
                    bytes = try await queue.stream.read()
                } catch {
                    inbound.withLock { $0.ended = true }
                    queue.streamEnded()
                    throw .transport(String(describing: error))
                }
                guard let bytes else {
                    inbound.withLock { $0.ended = true }
                    if queue.streamEnded() { throw .connectionClosed(.abnormalClosure) }
                    return nil
                }
                inbound.withLock { $0.decoder.append(bytes) }
            }
        }
    }

    private func nextStep() -> Step {
        inbound.withLock { state -> Step in
            if state.ended { return .ended }
            do throws(WebSocketError) {
                while let frame = try state.decoder.nextFrame() {
                    guard let event = try state.assembler.accept(frame) else { continue }
                    if case .close = event { state.ended = true }
                    return .event(event)
                }
                return .needBytes
            } catch {
                state.ended = true
                return .failed(error)
            }
        }
    }

    // MARK: closing

    /// Starts (or joins) the closing handshake and returns once the stream is closed. Waits up
    /// to `closeTimeout` for the peer's close frame, reading and discarding data meanwhile when
    /// no `receive()` is running; then drops the stream.
    public func close(code: WebSocketCloseCode = .normalClosure, reason: String = "") async {
        queue.initiateClose(code: code, reason: reason)
        let stream = queue.stream
        let timeout = configuration.closeTimeout
        let timer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { await stream.close() }
        }
        defer { timer.cancel() }
        let acquired = inbound.withLock { state in
            if state.readerActive { return false }
            state.readerActive = true
            return true
        }
        if acquired {
            defer { inbound.withLock { $0.readerActive = false } }
            while true {
                do throws(WebSocketError) {
                    if try await receiveHoldingReader() == nil { break }
                } catch {
                    break
                }
            }
        }
        await queue.waitUntilFinished()
    }
}
