import Synchronization

/// The bounded outgoing side of one connection: frames wait here and a single writer task
/// drains them into the stream, so `send` never waits for a slow peer.
///
/// Slow-consumer policy: when queued frames would exceed `maxQueuedMessages` or
/// `maxQueuedBytes`, everything queued is dropped, a close frame with
/// `slowConsumerCloseCode` (1008 by default) is queued in their place, and the stream is
/// closed once it is written. Memory per connection is thus bounded by the queue limits
/// plus the one batch being written.
final class WebSocketSendQueue: Sendable {
    private struct State {
        var encoder: WebSocketOutboundEncoder
        var frames: [[UInt8]] = []
        var bytes = 0
        /// A close frame is queued or sent: no more data may follow (RFC 6455 §5.5.1).
        var closeQueued = false
        var closeReceived = false
        /// Close the stream once the queue is empty.
        var shutdown = false
        var finished = false
        var closeCode: WebSocketCloseCode?
        var closeReason = ""
        var writer: CheckedContinuation<Void, Never>?
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private enum WriterStep {
        case write([UInt8])
        case finish
        case wait
    }

    let stream: any ByteStream
    private let configuration: WebSocketConfiguration
    private let state: Mutex<State>

    init(stream: any ByteStream, encoder: sending WebSocketOutboundEncoder, configuration: WebSocketConfiguration) {
        self.stream = stream
        self.configuration = configuration
        state = Mutex(State(encoder: encoder))
    }

    /// The code the connection closed (or is closing) with, and the reason.
    var closeStatus: (code: WebSocketCloseCode, reason: String)? {
        state.withLock { state in state.closeCode.map { ($0, state.closeReason) } }
    }

    /// Frames queued and not yet taken by the writer.
    var queuedFrameCount: Int { state.withLock { $0.frames.count } }

    /// Bytes of the frames queued and not yet taken by the writer.
    var queuedByteCount: Int { state.withLock { $0.bytes } }

    /// Whether the writer closed the stream.
    var isFinished: Bool { state.withLock { $0.finished } }

    /// Queues a data message.
    /// - Throws: `WebSocketError.connectionClosed` after close; `.sendQueueOverflow` when this
    ///   message tripped the slow-consumer policy (the connection is then closing);
    ///   `.compressionFailed` from zlib.
    func enqueueData(_ encode: (borrowing WebSocketOutboundEncoder) throws(WebSocketError) -> [UInt8]) throws(WebSocketError) {
        let writer = try state.withLock { state throws(WebSocketError) -> CheckedContinuation<Void, Never>? in
            if state.closeQueued { throw .connectionClosed(state.closeCode ?? .normalClosure) }
            let frame = try encode(state.encoder)
            try admit(frame, into: &state)
            return takeWriter(&state)
        }
        writer?.resume()
    }

    /// Queues data frames only when all of them fit within the limits (or the queue is empty),
    /// all or none; a refusal changes nothing, so the owner can close with a code and reason
    /// of its own after what is already queued (a resume point the peer then reads last).
    /// `estimatedBytes` is checked before encoding: a compressor with context takeover must
    /// not encode a frame that is then thrown away.
    /// - Throws: `WebSocketError.connectionClosed` after close; `.compressionFailed` from zlib.
    func offerData(
        count: Int, estimatedBytes: Int, _ encode: (borrowing WebSocketOutboundEncoder) throws(WebSocketError) -> [[UInt8]]
    ) throws(WebSocketError) -> Bool {
        let (accepted, writer) = try state.withLock { state throws(WebSocketError) -> (Bool, CheckedContinuation<Void, Never>?) in
            if state.closeQueued { throw .connectionClosed(state.closeCode ?? .normalClosure) }
            guard state.frames.isEmpty
                || (state.frames.count + count <= configuration.maxQueuedMessages && state.bytes + estimatedBytes <= configuration.maxQueuedBytes)
            else { return (false, nil) }
            for frame in try encode(state.encoder) {
                state.frames.append(frame)
                state.bytes += frame.count
            }
            return (true, takeWriter(&state))
        }
        writer?.resume()
        return accepted
    }

    /// Queues a pong; counts against the limits, since a ping flood must not grow memory.
    func enqueuePong(_ payload: [UInt8]) {
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.closeQueued else { return nil }
            let frame = state.encoder.encodeControl(opcode: .pong, payload: payload)
            do throws(WebSocketError) { try admit(frame, into: &state) } catch {}
            return takeWriter(&state)
        }
        writer?.resume()
    }

    /// Queues a ping.
    /// - Throws: like `enqueueData`.
    func enqueuePing(_ payload: [UInt8]) throws(WebSocketError) {
        try enqueueData { (encoder: borrowing WebSocketOutboundEncoder) throws(WebSocketError) in
            encoder.encodeControl(opcode: .ping, payload: payload)
        }
    }

    /// Our side starts the close handshake (RFC 6455 §7.1.2). Returns `false` if a close was already queued.
    @discardableResult
    func initiateClose(code: WebSocketCloseCode, reason: String) -> Bool {
        let (queued, writer) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.closeQueued else { return (false, nil) }
            queueClose(code: code, reason: reason, into: &state)
            if state.closeReceived { state.shutdown = true }
            return (true, takeWriter(&state))
        }
        writer?.resume()
        return queued
    }

    /// The peer's close frame arrived: echo it if we have not sent ours (RFC 6455 §5.5.1), then close the stream.
    func receivedClose(code: WebSocketCloseCode?, reason: String) {
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closeReceived = true
            if !state.closeQueued {
                queueClose(code: code, reason: "", into: &state)
                state.closeCode = code ?? .noStatusReceived
                state.closeReason = reason
            }
            state.shutdown = true
            return takeWriter(&state)
        }
        writer?.resume()
    }

    /// Fails the connection (RFC 6455 §7.1.7): drop pending data, send a close frame with the
    /// error's code (never 1005/1006), then close the stream.
    func fail(_ error: WebSocketError) {
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if !state.closeQueued {
                state.frames.removeAll()
                state.bytes = 0
                let code = error.closeCode
                queueClose(code: code.isValidOnWire ? code : .internalServerError, reason: "", into: &state)
                state.closeCode = code
            }
            state.shutdown = true
            return takeWriter(&state)
        }
        writer?.resume()
    }

    /// The stream ended or failed under us. Returns whether that was abnormal (no close frame either way, 1006).
    @discardableResult
    func streamEnded() -> Bool {
        let (abnormal, writer) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            let abnormal = !state.closeQueued && !state.closeReceived
            state.frames.removeAll()
            state.bytes = 0
            state.closeQueued = true
            if state.closeCode == nil { state.closeCode = .abnormalClosure }
            state.shutdown = true
            return (abnormal, takeWriter(&state))
        }
        writer?.resume()
        return abnormal
    }

    /// Waits until the writer has closed the stream.
    func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.finished { return true }
                state.finishWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// The writer loop: one per connection, ends after closing the stream.
    func runWriter() async {
        while true {
            switch nextStep() {
            case .write(let bytes):
                do {
                    try await stream.write(bytes)
                } catch {
                    streamEnded()
                }
            case .finish:
                await stream.close()
                let waiters = state.withLock { state in
                    state.finished = true
                    defer { state.finishWaiters = [] }
                    return state.finishWaiters
                }
                for waiter in waiters { waiter.resume() }
                return
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state in
                        if !state.frames.isEmpty || state.shutdown { return true }
                        state.writer = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
        }
    }

    private func nextStep() -> WriterStep {
        state.withLock { state in
            if !state.frames.isEmpty {
                var batch: [UInt8]
                if state.frames.count == 1 {
                    batch = state.frames[0]  // shares a broadcast frame's storage, no copy
                } else {
                    // Coalesce into one write; bounded by the queue limits.
                    batch = []
                    batch.reserveCapacity(state.bytes)
                    for frame in state.frames { batch.append(contentsOf: frame) }
                }
                state.frames.removeAll(keepingCapacity: true)
                state.bytes = 0
                return .write(batch)
            }
            return state.shutdown ? .finish : .wait
        }
    }

    /// Applies the slow-consumer policy to one more frame.
    private func admit(_ frame: [UInt8], into state: inout State) throws(WebSocketError) {
        let messages = state.frames.count + 1
        let bytes = state.bytes + frame.count
        if state.frames.isEmpty || (messages <= configuration.maxQueuedMessages && bytes <= configuration.maxQueuedBytes) {
            state.frames.append(frame)
            state.bytes = bytes
            return
        }
        state.frames.removeAll()
        state.bytes = 0
        let code = configuration.slowConsumerCloseCode
        queueClose(code: code, reason: "send queue overflow", into: &state)
        state.shutdown = true
        throw .sendQueueOverflow(messages: messages, bytes: bytes)
    }

    private func queueClose(code: WebSocketCloseCode?, reason: String, into state: inout State) {
        let payload = WebSocketMessageAssembler.closePayload(code: code, reason: reason)
        let frame = state.encoder.encodeControl(opcode: .close, payload: payload)
        state.frames.append(frame)
        state.bytes += frame.count
        state.closeQueued = true
        state.closeCode = code
        state.closeReason = reason
    }

    private func takeWriter(_ state: inout State) -> CheckedContinuation<Void, Never>? {
        defer { state.writer = nil }
        return state.writer
    }
}
