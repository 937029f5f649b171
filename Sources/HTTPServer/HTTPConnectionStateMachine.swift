import Sockets

/// The lifecycle of one server connection as a pure state machine: events in, one action out.
///
/// `HTTPConnection` owns the socket, the parser and the buffers; it reports what happened
/// (`on(_:)`) and carries out the returned `Action`. Every decision — when to parse, when to run
/// the next pipelined request (RFC 9112 §9.3.2), keep-alive or close, the timeouts, lingering
/// close (RFC 9112 §9.6), shutdown — is made here, without sockets, so it is tested the way
/// `WebSocketFrameDecoder` is. Time comes in with the events (monotonic nanoseconds).
///
/// Input and output overlap (a pipelining client sends the next request while the previous one is
/// handled), so the state is a few fields rather than one enum; `phase` names the combination.
/// A malformed request, a slow head or body, or a rejection is a sticky failure: input stays
/// `.failed` and the connection ends after that one error response, like the frame decoder's `.failed`.
///
/// `Pending` is the parsed request queued for a handler (`Request` in the server; anything in tests).
struct HTTPConnectionStateMachine<Pending> {
    /// Limits and timeouts, in nanoseconds.
    struct Configuration: Sendable {
        var maxPipelinedRequests: Int
        var headerTimeout: UInt64
        var bodyTimeout: UInt64
        var idleTimeout: UInt64
        /// Unsent bytes above which no further request is started.
        var outputHighWater = OutboundBuffer.defaultHighWaterMark
        /// How long a half-closed connection drains unread input before closing (RFC 9112 §9.6).
        var lingerDuration: UInt64 = 2_000_000_000
    }

    let configuration: Configuration
    private(set) var input: Input
    private(set) var queue: [Pending] = []
    /// A handler runs, a response streams, or an upgraded protocol owns the socket.
    private(set) var busy = false
    private(set) var upgraded = false
    private(set) var pendingFailure: Failure?
    private(set) var peerClosed = false
    /// Whether the connection wants EPOLLIN (the upgraded protocol adds its own backpressure).
    private(set) var reading = true
    private(set) var ending: Ending = .open
    private(set) var outputPending = false
    private var outputBlocked = false
    private var outputOverHighWater = false
    /// `startNext` held a queued request or error answer back for the output above the mark.
    private var heldByOutput = false
    private var lastWriteProgress: UInt64 = 0
    /// A drain found this connection busy: close it as soon as it is idle.
    private var draining = false
    private var idleSince: UInt64

    /// A fresh connection: its first head must arrive within the header timeout (slowloris).
    init(configuration: Configuration, now: UInt64) {
        self.configuration = configuration
        input = .head(since: now)
        idleSince = now
    }

    /// Whether the connection has closed.
    var isClosed: Bool {
        if case .closed = ending { return true }
        return false
    }

    /// Whether the parser may be fed events now.
    var canParse: Bool {
        switch input {
        case .paused, .failed: return false
        case .head, .body: return ending == .open
        }
    }

    /// Nothing in flight: a drain may close it at once.
    var isIdle: Bool {
        guard !busy, queue.isEmpty, !outputPending, !upgraded, pendingFailure == nil else { return false }
        if case .body = input { return false }
        return true
    }

    private var isLingering: Bool {
        if case .lingering = ending { return true }
        return false
    }

    /// Advances the machine.
    mutating func on(_ event: Event) -> Action {
        if isClosed { return .none }
        switch event {
        case .bytesReceived(let now):
            if upgraded { return .deliverUpgraded }
            // Sticky: after an error answer nothing more is read as a request.
            if ending != .open || input == .failed { return .discard }
            if case .head(since: nil) = input { input = .head(since: now) }
            // Bytes behind a closing or upgrading request are kept (an upgrade's first bytes) but not
            // parsed: read no more of them, or a flood would pile up in the parser. (Reading stays on
            // until then so that a hang-up still reaches `ConnectionSignal`.)
            if input == .paused { reading = false }
            return .parse

        case .headParsed(let expectsContinue, let now):
            input = .body(since: now)
            // An interim response must not precede earlier final ones; a pipelining client then
            // sends the body after its own wait (RFC 9110 §10.1.1 ¶9).
            if expectsContinue, !busy, queue.isEmpty, !outputPending { return .sendContinue }
            return .parse

        case .requestParsed(let request, let closesConnection, let mayUpgrade, let moreBuffered, let now):
            queue.append(request)
            input = .head(since: moreBuffered ? now : nil)
            if closesConnection || mayUpgrade {
                // Nothing after this request is ours to buffer yet.
                input = .paused
                reading = false
                return .stopParsing
            }
            if queue.count >= configuration.maxPipelinedRequests {
                reading = false
                return .stopParsing
            }
            return .parse

        case .parseFailed(let error):
            input = .failed
            reading = false
            pendingFailure = .malformed(error)
            return startNext()

        case .inputConsumed:
            return startNext()

        case .handlerDone(let requestKeepAlive, let draining):
            let keepAlive = requestKeepAlive && !(peerClosed && queue.isEmpty) && !draining && !self.draining
            return .writeResponse(keepAlive: keepAlive)

        case .upgradeAccepted:
            upgraded = true
            busy = true
            input = .paused
            reading = !peerClosed
            return .switchProtocol

        case .responseComplete(let close, let now):
            busy = false
            if close {
                ending = .afterFlush
                // Nothing more is parsed: unread input stays in the kernel (or is drained while lingering).
                reading = false
                return .flush
            }
            idleSince = now
            // The paused request is the last one queued: only its own answer resumes parsing.
            if input == .paused, queue.isEmpty {
                input = .head(since: nil)
                if !peerClosed, queue.count < configuration.maxPipelinedRequests { reading = true }
            }
            return .flushThenParse

        case .responseFailed:
            return close(.responseAborted)

        case .flushed(let before, let remaining, let now):
            return flushed(before: before, remaining: remaining, now: now)

        case .ioFailed:
            return close(.ioError)

        case .peerClosed:
            peerClosed = true
            if isLingering { return close(.peerClosed) }
            if upgraded {
                reading = false
                return .deliverUpgraded
            }
            if busy || !queue.isEmpty || outputPending {
                // A half-close still expects answers to every complete request received; the
                // last of them carries `Connection: close` (see `handlerDone`).
                reading = false
                if !busy, queue.isEmpty { ending = .afterFlush }
                return .none
            }
            return close(.peerClosed)

        case .hangUp:
            // Nothing more can be sent, and staying registered would wake the loop on every turn.
            return peerClosed ? close(.peerClosed) : .none

        case .tick(let now):
            return tick(now: now)

        case .shutdown(let force):
            if force || isIdle { return close(.shutdown) }
            // A response still flushing keeps the connection; the flush that empties it closes it.
            draining = true
            return .none

        case .rejected:
            input = .failed
            reading = false
            busy = true
            return .writeError(.overloaded)

        case .upgradeFinished:
            busy = false
            return close(.upgradeFinished)
        }
    }

    /// Starts the next queued request, or the pending error response once the queue is empty.
    private mutating func startNext() -> Action {
        // After a closing response (or during the linger) nothing else is answered: a queued request
        // would otherwise run and its response follow a `Connection: close` one (or become part of
        // an HTTP/1.0 close-delimited body).
        guard !busy, ending == .open else { return .none }
        // A client that does not read its responses gets no more answers (a flush resumes us),
        // so the output stays bounded whatever it pipelines.
        guard !outputOverHighWater else {
            heldByOutput = !queue.isEmpty || pendingFailure != nil
            return .none
        }
        guard !queue.isEmpty else {
            guard let failure = pendingFailure else { return .none }
            pendingFailure = nil
            busy = true
            return .writeError(failure)
        }
        let request = queue.removeFirst()
        if !reading, !peerClosed, !upgraded, queue.count < configuration.maxPipelinedRequests { reading = true }
        busy = true
        return .runHandler(request)
    }

    private mutating func flushed(before: Int, remaining: Int, now: UInt64) -> Action {
        if remaining < before || (remaining > 0 && !outputBlocked) {
            // The stall clock starts when the kernel first refuses bytes, and restarts on progress.
            lastWriteProgress = now
        }
        outputPending = remaining > 0
        outputBlocked = remaining > 0
        outputOverHighWater = remaining > configuration.outputHighWater
        guard remaining == 0 else { return .none }
        if ending == .afterFlush, !busy {
            if peerClosed { return close(.completed) }
            ending = .lingering(deadline: now &+ configuration.lingerDuration)
            reading = true
            return .lingerClose
        }
        // Whatever waited for the output to drain (a queued request, a pending error answer)
        // starts now, however many partial flushes that took.
        if heldByOutput, !busy {
            heldByOutput = false
            return startNext()
        }
        if draining, isIdle { return close(.shutdown) }
        return .none
    }

    private mutating func tick(now: UInt64) -> Action {
        if case .lingering(let deadline) = ending {
            return now >= deadline ? close(.lingerTimeout) : .none
        }
        // A peer that stops reading for the idle timeout is gone as far as we care.
        if outputPending {
            return now &- lastWriteProgress > configuration.idleTimeout ? close(.writeStalled) : .none
        }
        guard !upgraded, !busy, queue.isEmpty, pendingFailure == nil else { return .none }
        switch input {
        case .head(since: .some(let since)) where now &- since > configuration.headerTimeout:
            return timeOut()
        case .body(let since) where now &- since > configuration.bodyTimeout:
            return timeOut()
        case .head(since: nil), .paused, .failed:
            return now &- idleSince > configuration.idleTimeout ? close(.idleTimeout) : .none
        case .head, .body:
            return .none
        }
    }

    /// 408 for a head or body that arrives too slowly, then close.
    private mutating func timeOut() -> Action {
        input = .failed
        reading = false
        busy = true
        return .writeError(.requestTimeout)
    }

    private mutating func close(_ reason: CloseReason) -> Action {
        ending = .closed(reason)
        reading = false
        busy = false
        return .close(reason)
    }
}
