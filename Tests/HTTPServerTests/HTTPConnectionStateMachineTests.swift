import HTTP1
import Testing

@testable import HTTPServer

/// `HTTPConnectionStateMachine` without sockets: every transition of a server connection, with
/// time as plain numbers (header 10, body 20, idle 100, linger 5; pipelining up to 3; 100 bytes
/// of unsent output before no further request starts).
@Suite struct HTTPConnectionStateMachineTests {
    typealias Machine = HTTPConnectionStateMachine<Int>

    static let configuration = Machine.Configuration(
        maxPipelinedRequests: 3, headerTimeout: 10, bodyTimeout: 20, idleTimeout: 100, outputHighWater: 100, lingerDuration: 5)

    static func make(now: UInt64 = 0) -> Machine { Machine(configuration: configuration, now: now) }

    /// Parses one complete request `id` (bytes, head, end) and returns the action for its end.
    static func receive(
        _ id: Int, into machine: inout Machine, closes: Bool = false, upgrade: Bool = false, more: Bool = false, now: UInt64 = 1
    ) -> Machine.Action {
        #expect(machine.on(.bytesReceived(now: now)) == .parse)
        #expect(machine.on(.headParsed(expectsContinue: false, now: now)) == .parse)
        return machine.on(.requestParsed(id, closesConnection: closes, mayUpgrade: upgrade, moreBuffered: more, now: now))
    }

    /// Runs request `id` through handler, response and a complete flush on a keep-alive connection.
    static func answer(_ id: Int, on machine: inout Machine, now: UInt64 = 2) {
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: false)) == .writeResponse(keepAlive: true))
        #expect(machine.on(.responseComplete(close: false, now: now)) == .flushThenParse)
        #expect(machine.on(.flushed(before: 50, remaining: 0, now: now)) == .none)
    }

    // MARK: - One request

    @Test func keepAliveRequestRunsAndReturnsToIdle() {
        var machine = Self.make()
        #expect(machine.phase == .readingHead)
        #expect(machine.on(.bytesReceived(now: 1)) == .parse)
        #expect(machine.on(.headParsed(expectsContinue: false, now: 1)) == .parse)
        #expect(machine.phase == .readingBody)
        #expect(machine.on(.requestParsed(7, closesConnection: false, mayUpgrade: false, moreBuffered: false, now: 1)) == .parse)
        #expect(machine.on(.inputConsumed) == .runHandler(7))
        #expect(machine.phase == .handling)
        #expect(!machine.isIdle)
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: false)) == .writeResponse(keepAlive: true))
        #expect(machine.on(.responseComplete(close: false, now: 2)) == .flushThenParse)
        #expect(machine.on(.flushed(before: 50, remaining: 0, now: 2)) == .none)
        #expect(machine.on(.inputConsumed) == .none)
        #expect(machine.phase == .keepAliveIdle)
        #expect(machine.isIdle)
        #expect(machine.reading)
    }

    @Test func idleKeepAliveConnectionClosesAfterTheIdleTimeout() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = machine.on(.inputConsumed)
        Self.answer(1, on: &machine, now: 2)
        #expect(machine.on(.tick(now: 100)) == .none)
        #expect(machine.on(.tick(now: 103)) == .close(.idleTimeout))
        #expect(machine.phase == .closed)
    }

    @Test func expectContinueOnlyWhenNothingIsInFlight() {
        var idle = Self.make()
        #expect(idle.on(.bytesReceived(now: 1)) == .parse)
        #expect(idle.on(.headParsed(expectsContinue: true, now: 1)) == .sendContinue)

        var busy = Self.make()
        _ = Self.receive(1, into: &busy)
        #expect(busy.on(.inputConsumed) == .runHandler(1))
        #expect(busy.on(.bytesReceived(now: 1)) == .parse)
        // An interim response must not overtake the answer to request 1.
        #expect(busy.on(.headParsed(expectsContinue: true, now: 1)) == .parse)
    }

    // MARK: - Pipelining

    @Test func pipelinedRequestsRunOneAfterAnotherInOrder() {
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine, more: true) == .parse)
        #expect(machine.phase == .readingHead)
        #expect(Self.receive(2, into: &machine) == .parse)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        #expect(machine.queue == [2])
        // Request 2 waits for request 1's response.
        #expect(machine.on(.inputConsumed) == .none)
        Self.answer(1, on: &machine)
        #expect(machine.on(.inputConsumed) == .runHandler(2))
        Self.answer(2, on: &machine)
        #expect(machine.on(.inputConsumed) == .none)
        #expect(machine.isIdle)
    }

    @Test func fullPipelineStopsReadingUntilARequestStarts() {
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine) == .parse)
        #expect(Self.receive(2, into: &machine) == .parse)
        #expect(Self.receive(3, into: &machine) == .stopParsing)
        #expect(!machine.reading)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        #expect(machine.reading)
    }

    @Test func outputAboveHighWaterHoldsTheNextRequest() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = Self.receive(2, into: &machine)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: false)) == .writeResponse(keepAlive: true))
        #expect(machine.on(.responseComplete(close: false, now: 2)) == .flushThenParse)
        // The client reads slowly: 300 of 500 bytes still wait, above the 100-byte mark.
        #expect(machine.on(.flushed(before: 500, remaining: 300, now: 2)) == .none)
        #expect(machine.phase == .writingResponse)
        #expect(machine.on(.inputConsumed) == .none)
        #expect(machine.on(.flushed(before: 300, remaining: 0, now: 3)) == .runHandler(2))
    }

    // MARK: - Ending the connection

    @Test func connectionCloseRequestEndsWithALingeringClose() {
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine, closes: true) == .stopParsing)
        #expect(!machine.canParse)
        #expect(!machine.reading)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        #expect(machine.on(.handlerDone(requestKeepAlive: false, draining: false)) == .writeResponse(keepAlive: false))
        #expect(machine.on(.responseComplete(close: true, now: 2)) == .flush)
        #expect(machine.phase == .closing)
        #expect(machine.on(.flushed(before: 40, remaining: 0, now: 2)) == .lingerClose)
        #expect(machine.reading)
        // Input during the linger is drained and dropped, never parsed.
        #expect(machine.on(.bytesReceived(now: 3)) == .discard)
        #expect(machine.on(.peerClosed) == .close(.peerClosed))
    }

    @Test func lingerEndsAtItsDeadline() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine, closes: true)
        _ = machine.on(.inputConsumed)
        _ = machine.on(.handlerDone(requestKeepAlive: false, draining: false))
        _ = machine.on(.responseComplete(close: true, now: 2))
        #expect(machine.on(.flushed(before: 40, remaining: 0, now: 2)) == .lingerClose)
        #expect(machine.on(.tick(now: 6)) == .none)
        #expect(machine.on(.tick(now: 7)) == .close(.lingerTimeout))
    }

    @Test func http10WithoutKeepAliveIsAnsweredThenClosed() {
        // An HTTP/1.0 request without `Connection: keep-alive` has keepAlive == false in its head.
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine, closes: true) == .stopParsing)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        #expect(machine.on(.handlerDone(requestKeepAlive: false, draining: false)) == .writeResponse(keepAlive: false))
        #expect(machine.on(.responseComplete(close: true, now: 2)) == .flush)
        #expect(machine.on(.flushed(before: 40, remaining: 0, now: 2)) == .lingerClose)
        #expect(machine.on(.peerClosed) == .close(.peerClosed))
    }

    @Test func peerCloseWhileIdleClosesAtOnce() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = machine.on(.inputConsumed)
        Self.answer(1, on: &machine)
        #expect(machine.on(.peerClosed) == .close(.peerClosed))
        #expect(machine.on(.bytesReceived(now: 3)) == .none)
        #expect(machine.on(.tick(now: 1000)) == .none)
    }

    @Test func peerCloseWhileHandlingStillAnswersThenCloses() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        // A half-close: the handler goes on (it can see `ConnectionSignal.peerClosed`), reading stops.
        #expect(machine.on(.peerClosed) == .none)
        #expect(machine.peerClosed)
        #expect(!machine.reading)
        #expect(machine.phase == .handling)
        // The last answer carries `Connection: close` although the request asked for keep-alive.
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: false)) == .writeResponse(keepAlive: false))
        #expect(machine.on(.responseComplete(close: true, now: 2)) == .flush)
        #expect(machine.on(.flushed(before: 40, remaining: 0, now: 2)) == .close(.completed))
    }

    @Test func peerCloseWithPipelinedRequestsAnswersEveryOne() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = Self.receive(2, into: &machine)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        #expect(machine.on(.peerClosed) == .none)
        // Request 2 still waits: request 1 keeps the connection alive.
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: false)) == .writeResponse(keepAlive: true))
        #expect(machine.on(.responseComplete(close: false, now: 2)) == .flushThenParse)
        #expect(machine.on(.flushed(before: 40, remaining: 0, now: 2)) == .none)
        #expect(machine.on(.inputConsumed) == .runHandler(2))
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: false)) == .writeResponse(keepAlive: false))
    }

    @Test func peerCloseWithUnsentOutputClosesOnceFlushed() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = machine.on(.inputConsumed)
        _ = machine.on(.handlerDone(requestKeepAlive: true, draining: false))
        _ = machine.on(.responseComplete(close: false, now: 2))
        #expect(machine.on(.flushed(before: 40, remaining: 10, now: 2)) == .none)
        #expect(machine.on(.peerClosed) == .none)
        #expect(machine.phase == .closing)
        #expect(machine.on(.flushed(before: 10, remaining: 0, now: 3)) == .close(.completed))
    }

    @Test func hangUpClosesOnlyAfterEndOfStream() {
        var machine = Self.make()
        #expect(machine.on(.hangUp) == .none)
        _ = Self.receive(1, into: &machine)
        _ = machine.on(.inputConsumed)
        _ = machine.on(.peerClosed)
        #expect(machine.on(.hangUp) == .close(.peerClosed))
    }

    @Test func stalledReaderIsClosedAfterTheIdleTimeout() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = machine.on(.inputConsumed)
        _ = machine.on(.handlerDone(requestKeepAlive: true, draining: false))
        _ = machine.on(.responseComplete(close: false, now: 2))
        #expect(machine.on(.flushed(before: 90, remaining: 60, now: 10)) == .none)
        // Progress restarts the clock; none for the idle timeout ends the connection.
        #expect(machine.on(.flushed(before: 60, remaining: 30, now: 50)) == .none)
        #expect(machine.on(.tick(now: 140)) == .none)
        #expect(machine.on(.tick(now: 151)) == .close(.writeStalled))
    }

    // MARK: - Timeouts and errors

    @Test func slowHeadGets408ThenCloses() {
        var machine = Self.make(now: 0)
        #expect(machine.on(.tick(now: 10)) == .none)
        #expect(machine.on(.tick(now: 11)) == .writeError(.requestTimeout))
        #expect(!machine.canParse)
        #expect(machine.on(.responseComplete(close: true, now: 11)) == .flush)
        #expect(machine.on(.flushed(before: 80, remaining: 0, now: 11)) == .lingerClose)
    }

    @Test func slowBodyGets408() {
        var machine = Self.make()
        #expect(machine.on(.bytesReceived(now: 1)) == .parse)
        #expect(machine.on(.headParsed(expectsContinue: false, now: 1)) == .parse)
        #expect(machine.on(.tick(now: 21)) == .none)
        #expect(machine.on(.tick(now: 22)) == .writeError(.requestTimeout))
    }

    @Test func keepAliveIdleHasNoHeadTimeoutUntilBytesArrive() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = machine.on(.inputConsumed)
        Self.answer(1, on: &machine, now: 2)
        #expect(machine.on(.tick(now: 50)) == .none)
        #expect(machine.on(.bytesReceived(now: 60)) == .parse)
        #expect(machine.phase == .readingHead)
        #expect(machine.on(.tick(now: 71)) == .writeError(.requestTimeout))
    }

    @Test func malformedRequestAfterAValidOneIsAnsweredSecondAndSticks() {
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine, more: true) == .parse)
        #expect(machine.on(.parseFailed(.invalidRequestLine)) == .runHandler(1))
        #expect(!machine.canParse)
        // Nothing more is taken as a request once the framing is lost.
        #expect(machine.on(.bytesReceived(now: 2)) == .discard)
        Self.answer(1, on: &machine)
        #expect(!machine.canParse)
        #expect(machine.on(.inputConsumed) == .writeError(.malformed(.invalidRequestLine)))
        #expect(machine.on(.responseComplete(close: true, now: 3)) == .flush)
        #expect(machine.on(.flushed(before: 60, remaining: 0, now: 3)) == .lingerClose)
        #expect(!machine.canParse)
    }

    @Test func errorAfterTheResponseStartedClosesWithoutAnotherResponse() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: false)) == .writeResponse(keepAlive: true))
        // A streamed body: the head is out, then the producer throws.
        #expect(machine.on(.flushed(before: 30, remaining: 0, now: 2)) == .none)
        #expect(machine.on(.responseFailed) == .close(.responseAborted))
        #expect(machine.on(.responseComplete(close: false, now: 3)) == .none)
    }

    @Test func ioFailureCloses() {
        var machine = Self.make()
        #expect(machine.on(.ioFailed) == .close(.ioError))
        #expect(machine.isClosed)
        #expect(machine.on(.inputConsumed) == .none)
    }

    @Test func rejectedConnectionAnswers503AndCloses() {
        var machine = Self.make()
        #expect(machine.on(.rejected) == .writeError(.overloaded))
        #expect(machine.on(.bytesReceived(now: 1)) == .discard)
        #expect(machine.on(.responseComplete(close: true, now: 1)) == .flush)
        #expect(machine.on(.flushed(before: 90, remaining: 0, now: 1)) == .lingerClose)
    }

    // MARK: - Shutdown

    @Test func shutdownClosesAnIdleConnectionAtOnce() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = machine.on(.inputConsumed)
        Self.answer(1, on: &machine)
        #expect(machine.on(.shutdown(force: false)) == .close(.shutdown))
    }

    @Test func shutdownWhileHandlingAnswersWithCloseThenEnds() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = machine.on(.inputConsumed)
        #expect(machine.on(.shutdown(force: false)) == .none)
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: true)) == .writeResponse(keepAlive: false))
        #expect(machine.on(.responseComplete(close: true, now: 2)) == .flush)
        #expect(machine.on(.flushed(before: 40, remaining: 0, now: 2)) == .lingerClose)
    }

    @Test func shutdownWaitsForABodyBeingRead() {
        var machine = Self.make()
        _ = machine.on(.bytesReceived(now: 1))
        _ = machine.on(.headParsed(expectsContinue: false, now: 1))
        #expect(machine.on(.shutdown(force: false)) == .none)
        #expect(machine.on(.shutdown(force: true)) == .close(.shutdown))
    }

    // MARK: - Upgrade

    @Test func acceptedUpgradeSwitchesProtocol() {
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine, upgrade: true) == .stopParsing)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: false)) == .writeResponse(keepAlive: true))
        #expect(machine.on(.upgradeAccepted) == .switchProtocol)
        #expect(machine.phase == .upgraded)
        #expect(machine.reading)
        #expect(machine.on(.bytesReceived(now: 2)) == .deliverUpgraded)
        // No HTTP timeouts apply to the upgraded protocol.
        #expect(machine.on(.tick(now: 10_000)) == .none)
        #expect(machine.on(.shutdown(force: false)) == .none)
        #expect(machine.on(.peerClosed) == .deliverUpgraded)
        #expect(!machine.reading)
        #expect(machine.on(.upgradeFinished) == .close(.upgradeFinished))
    }

    @Test func refusedUpgradeResumesParsing() {
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine, upgrade: true) == .stopParsing)
        #expect(!machine.canParse)
        _ = machine.on(.inputConsumed)
        Self.answer(1, on: &machine)
        #expect(machine.canParse)
        #expect(machine.reading)
    }

    @Test func queuedRequestDoesNotRunAfterAClosingResponse() {
        // HTTP/1.0 keep-alive request with a streamed body: the response must end at close, while
        // request 2 is already queued behind it.
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = Self.receive(2, into: &machine)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        #expect(machine.on(.handlerDone(requestKeepAlive: true, draining: false)) == .writeResponse(keepAlive: true))
        #expect(machine.on(.responseComplete(close: true, now: 2)) == .flush)
        #expect(machine.on(.flushed(before: 500, remaining: 50, now: 2)) == .none)
        // The peer sends more while the closing response still flushes: neither parsed nor answered.
        #expect(!machine.reading)
        #expect(machine.on(.bytesReceived(now: 3)) == .discard)
        #expect(machine.on(.inputConsumed) == .none)
        #expect(machine.on(.flushed(before: 50, remaining: 0, now: 3)) == .lingerClose)
    }

    @Test func outputDrainedThroughSeveralFlushesStartsTheNextRequest() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = Self.receive(2, into: &machine)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        _ = machine.on(.handlerDone(requestKeepAlive: true, draining: false))
        #expect(machine.on(.responseComplete(close: false, now: 2)) == .flushThenParse)
        #expect(machine.on(.flushed(before: 500, remaining: 300, now: 2)) == .none)
        #expect(machine.on(.inputConsumed) == .none)
        // A slow reader: the output drains in steps, the last of them from below the mark.
        #expect(machine.on(.flushed(before: 300, remaining: 60, now: 3)) == .none)
        #expect(machine.on(.flushed(before: 60, remaining: 0, now: 4)) == .runHandler(2))
    }

    @Test func pendingErrorAnswerIsSentOnceTheOutputDrains() {
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine, more: true) == .parse)
        #expect(machine.on(.parseFailed(.invalidRequestLine)) == .runHandler(1))
        _ = machine.on(.handlerDone(requestKeepAlive: true, draining: false))
        _ = machine.on(.responseComplete(close: false, now: 2))
        #expect(machine.on(.flushed(before: 500, remaining: 300, now: 2)) == .none)
        #expect(machine.on(.inputConsumed) == .none)
        #expect(machine.on(.flushed(before: 300, remaining: 0, now: 3)) == .writeError(.malformed(.invalidRequestLine)))
    }

    @Test func nothingIsParsedPastAClosingRequestWhileAnEarlierOneIsAnswered() {
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine, more: true) == .parse)
        #expect(Self.receive(2, into: &machine, closes: true, more: true) == .stopParsing)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        Self.answer(1, on: &machine)
        // Request 2 (`Connection: close` or `Upgrade`) is not answered yet: what follows it stays unread.
        #expect(!machine.canParse)
        #expect(machine.on(.inputConsumed) == .runHandler(2))
        #expect(!machine.canParse)
    }

    @Test func drainClosesAKeepAliveConnectionOnceItsResponseIsFlushed() {
        var machine = Self.make()
        _ = Self.receive(1, into: &machine)
        _ = machine.on(.inputConsumed)
        _ = machine.on(.handlerDone(requestKeepAlive: true, draining: false))
        _ = machine.on(.responseComplete(close: false, now: 2))
        #expect(machine.on(.flushed(before: 500, remaining: 50, now: 2)) == .none)
        #expect(machine.on(.shutdown(force: false)) == .none)
        #expect(machine.on(.flushed(before: 50, remaining: 0, now: 3)) == .close(.shutdown))
    }

    @Test func bytesBehindAPausedRequestStopTheReading() {
        var machine = Self.make()
        #expect(Self.receive(1, into: &machine, closes: true) == .stopParsing)
        #expect(machine.on(.inputConsumed) == .runHandler(1))
        // Still reading while the handler runs: a hang-up must reach `ConnectionSignal`.
        #expect(machine.reading)
        // Bytes after a `Connection: close` (or `Upgrade`) request are kept, unparsed; no more are read.
        #expect(machine.on(.bytesReceived(now: 2)) == .parse)
        #expect(!machine.canParse)
        #expect(!machine.reading)
    }
}
