import HTTP1

/// The vocabulary of `HTTPConnectionStateMachine`: what it tracks, hears and answers.
extension HTTPConnectionStateMachine {
    /// The named lifecycle phase, for tests and diagnostics.
    enum Phase: Equatable, Sendable {
        case keepAliveIdle, readingHead, readingBody, handling, writingResponse, upgraded, closing, closed
    }

    /// The phase the fields add up to.
    var phase: Phase {
        switch ending {
        case .closed: return .closed
        case .lingering, .afterFlush: return .closing
        case .open: break
        }
        if upgraded { return .upgraded }
        if busy { return .handling }
        if outputPending { return .writingResponse }
        switch input {
        case .body: return .readingBody
        case .head(since: .some): return .readingHead
        case .head(since: nil), .paused, .failed: return queue.isEmpty ? .keepAliveIdle : .handling
        }
    }

    /// Where request input stands.
    enum Input: Equatable, Sendable {
        /// Waiting for a request head; `since` is when its first byte (or the connection) came,
        /// `nil` while idle between keep-alive requests with nothing buffered.
        case head(since: UInt64?)
        /// A head was parsed; waiting for its body since `since`.
        case body(since: UInt64)
        /// After a request that ends the connection or may switch protocols: nothing more is parsed
        /// until its response decides.
        case paused
        /// A malformed or too slow request, or a rejected connection: never parsed again.
        case failed
    }

    /// How the connection is ending.
    enum Ending: Equatable, Sendable {
        /// Not ending.
        case open
        /// Close once the output is flushed and nothing runs.
        case afterFlush
        /// Write side shut down; draining input until `deadline` (RFC 9112 §9.6).
        case lingering(deadline: UInt64)
        /// Closed.
        case closed(CloseReason)
    }

    /// Why a connection closed (logged by nobody today; asserted by tests).
    enum CloseReason: Equatable, Sendable {
        case peerClosed
        case completed
        case idleTimeout
        case writeStalled
        case lingerTimeout
        case shutdown
        case ioError
        case responseAborted
        case upgradeFinished
    }

    /// The error responses the server sends on its own, each ending the connection.
    enum Failure: Equatable, Sendable {
        /// 4xx/5xx for a request the parser refused; framing is lost.
        case malformed(HTTPParserError)
        /// 408: head or body too slow (RFC 9110 §15.5.9).
        case requestTimeout
        /// 503: the server is at its connection limit.
        case overloaded
    }

    /// What happened.
    enum Event {
        /// Bytes were read.
        case bytesReceived(now: UInt64)
        /// The parser produced a head; `expectsContinue` when it asks for 100 with a body still held back.
        case headParsed(expectsContinue: Bool, now: UInt64)
        /// The parser completed a request. `closesConnection`: not keep-alive; `mayUpgrade`: CONNECT or
        /// `Upgrade`; `moreBuffered`: bytes of a next request are already there.
        case requestParsed(Pending, closesConnection: Bool, mayUpgrade: Bool, moreBuffered: Bool, now: UInt64)
        /// The parser refused the input.
        case parseFailed(HTTPParserError)
        /// Parsing stopped (no complete event left, or told to stop): time to start what can start.
        case inputConsumed
        /// A handler returned its response; `requestKeepAlive` is what the request asked for.
        case handlerDone(requestKeepAlive: Bool, draining: Bool)
        /// The response head was 101 with an upgrade handler.
        case upgradeAccepted
        /// A response is fully serialized into the output (`close`: it announced `Connection: close`).
        case responseComplete(close: Bool, now: UInt64)
        /// A streamed response body failed after its head went out: the status cannot change any more.
        case responseFailed
        /// A flush ran: `before` bytes were pending, `remaining` still are.
        case flushed(before: Int, remaining: Int, now: UInt64)
        /// A read or write failed (reset).
        case ioFailed
        /// End of stream from the peer.
        case peerClosed
        /// EPOLLHUP: both directions are down.
        case hangUp
        /// A periodic tick for timeouts.
        case tick(now: UInt64)
        /// Server drain: idle connections close now, busy ones after their response; `force` closes all.
        case shutdown(force: Bool)
        /// The connection is over the server's connection limit: answer 503 and close.
        case rejected
        /// The upgraded protocol's handler finished.
        case upgradeFinished
    }

    /// What the connection does next.
    enum Action {
        /// Nothing.
        case none
        /// Feed buffered input to the parser (again).
        case parse
        /// Stop taking events from the parser for now.
        case stopParsing
        /// Send `100 Continue` (RFC 9110 §10.1.1), then go on parsing.
        case sendContinue
        /// Run the handler for this request.
        case runHandler(Pending)
        /// Serialize the handler's response, with or without keep-alive.
        case writeResponse(keepAlive: Bool)
        /// Serialize this error response (always closing).
        case writeError(Failure)
        /// The 101 is queued: hand buffered bytes and the socket to the upgrade handler.
        case switchProtocol
        /// Flush the output.
        case flush
        /// Flush, then parse what is buffered (after a keep-alive response).
        case flushThenParse
        /// Hand received bytes (or end of stream) to the upgraded protocol.
        case deliverUpgraded
        /// Ignore received bytes (lingering).
        case discard
        /// Shut down the write side and keep reading until the linger deadline.
        case lingerClose
        /// Close now.
        case close(CloseReason)
    }
}

extension HTTPConnectionStateMachine.Action: Equatable where Pending: Equatable {}
