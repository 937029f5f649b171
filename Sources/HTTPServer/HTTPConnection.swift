import Glibc
import HTTP1
import Sockets
import Synchronization

/// One accepted connection: reads and parses on its loop, runs handlers as tasks, writes
/// responses in request order (pipelining, RFC 9112 §9.3.2) and enforces the timeouts.
///
/// `@unchecked Sendable`: all state is touched only on `context.loop`'s thread; tasks reach it
/// exclusively through `loop.execute`.
final class HTTPConnection: EventLoopHandler, @unchecked Sendable {
    let socket: SocketDescriptor
    let remote: SocketAddress?
    let context: LoopContext
    /// Whether this connection counts against `maxConnections` (a rejected one does not).
    let counted: Bool
    var parser: HTTPRequestParser

    var head: HTTPRequestHead?
    var body: [UInt8] = []
    var queue: [Request] = []
    /// A handler runs or a body streams: later responses wait.
    var busy = false
    /// Parsing stops after a request that may switch protocols or that ends the connection.
    var parsingPaused = false
    var pendingFailure: Response?

    var out: [UInt8] = []
    var outOffset = 0
    var lastWriteProgress: UInt64 = 0
    /// Unsent bytes above which no further request is started.
    static let outputHighWater = 256 * 1024
    var flushWaiters: [CheckedContinuation<Void, any Error>] = []
    var readingEnabled = true
    var writeInterest = false
    var registeredEvents: UInt32 = EventMask.readable

    var peerClosed = false {
        didSet { if peerClosed { signal.markPeerClosed() } }
    }
    /// Shared with every request context of this connection (see `ConnectionSignal`).
    let signal = ConnectionSignal()
    var closeWhenFlushed = false
    var lingerDeadline: UInt64?
    var closed = false

    var headStart: UInt64?
    var bodyStart: UInt64?
    var idleSince: UInt64

    var upgraded = false
    var inbound: [UInt8] = []
    var readWaiter: CheckedContinuation<[UInt8]?, any Error>?

    init(socket: SocketDescriptor, remote: SocketAddress?, context: LoopContext, counted: Bool) {
        self.socket = socket
        self.remote = remote
        self.context = context
        self.counted = counted
        parser = HTTPRequestParser(limits: context.core.configuration.limits)
        let now = context.loop.now
        // A fresh connection must deliver its first head within the header timeout (slowloris).
        headStart = now
        idleSince = now
    }

    var core: ServerCore { context.core }

    /// Nothing in flight: safe to close during a drain.
    var isIdle: Bool {
        !busy && queue.isEmpty && head == nil && outOffset == out.count && !upgraded && pendingFailure == nil
    }

    func handleEvents(_ events: UInt32) {
        guard !closed else { return }
        if events & EventMask.writable != 0 { flush() }
        guard !closed else { return }
        if events & (EventMask.readable | EventMask.hangup | EventMask.error) != 0 { readOnce() }
        // EPOLLHUP: both directions are down and cannot be masked; nothing more can be sent, and
        // staying registered would wake the loop on every iteration.
        if events & EventMask.hangup != 0, peerClosed, !closed { close() }
    }

    /// One read per readiness event; level-triggered epoll reports leftovers again.
    func readOnce() {
        let result: SocketDescriptor.IOResult
        do {
            result = try socket.read(into: context.readBuffer)
        } catch {
            close()
            return
        }
        switch result {
        case .wouldBlock:
            return
        case .endOfFile:
            peerClosed = true
            if lingerDeadline != nil {
                close()
            } else if upgraded {
                setReading(false)
                deliverInbound()
            } else if busy || !queue.isEmpty || outOffset < out.count {
                // A half-close still expects answers to every complete request received;
                // the last of them carries `Connection: close` (see responseReady).
                setReading(false)
                if !busy, queue.isEmpty { closeWhenFlushed = true }
            } else {
                close()
            }
        case .bytes(let count):
            let bytes = UnsafeRawBufferPointer(rebasing: context.readBuffer[0..<count])
            if lingerDeadline != nil { return }
            if upgraded {
                inbound.append(contentsOf: bytes)
                // Backpressure: stop reading while the upgraded handler lags behind.
                if inbound.count >= 1 << 20 { setReading(false) }
                deliverInbound()
                return
            }
            if head == nil, headStart == nil { headStart = context.loop.now }
            parser.feed(bytes)
            processInput()
        }
    }

    func processInput() {
        guard !parsingPaused, !closeWhenFlushed, !closed else { return }
        parsing: while true {
            let event: HTTPParserEvent?
            do {
                event = try parser.next()
            } catch {
                fail(error)
                return
            }
            guard let event else { break }
            switch event {
            case .head(let newHead):
                head = newHead
                headStart = nil
                bodyStart = context.loop.now
                // Reserve at most 64 KiB up front: a declared length is only a claim until the bytes arrive.
                if case .contentLength(let length) = newHead.bodyFraming { body.reserveCapacity(min(length, 1 << 16)) }
                // RFC 9110 §10.1.1: tell the client to send the body it is holding back. Only when
                // nothing is in flight: an interim response must not precede earlier final ones; a
                // pipelining client then sends the body after its own wait (RFC 9110 §10.1.1 ¶9).
                if newHead.expectsContinue, newHead.bodyFraming != .none, parser.bufferedByteCount == 0,
                    !busy, queue.isEmpty, outOffset == out.count
                {
                    out.append(contentsOf: HTTPResponseSerializer.continueResponse)
                    flush()
                }
            case .body(let bytes):
                if body.isEmpty { body = bytes } else { body.append(contentsOf: bytes) }
            case .end:
                guard let finished = head else { continue }
                queue.append(Request(head: finished, body: body, remoteAddress: remote))
                head = nil
                body = []
                bodyStart = nil
                headStart = parser.bufferedByteCount > 0 ? context.loop.now : nil
                if !finished.keepAlive || finished.method == .connect || finished.headers.contains("Upgrade") {
                    pauseParsing()
                    break parsing
                }
                if queue.count >= core.configuration.maxPipelinedRequests {
                    setReading(false)
                    break parsing
                }
            }
        }
        startNext()
    }

    /// Answers a parse error after the requests before it, then closes (framing is lost).
    func fail(_ error: HTTPParserError) {
        pauseParsing()
        headStart = nil
        bodyStart = nil
        head = nil
        pendingFailure = HTTPError(error.status, message: error.description).response
        startNext()
    }

    func startNext() {
        guard !busy, !closed, lingerDeadline == nil else { return }
        // A client that does not read its responses gets no more answers (flush() resumes us),
        // so the output buffer stays bounded whatever it pipelines.
        guard out.count - outOffset <= Self.outputHighWater else { return }
        guard !queue.isEmpty else {
            if let failure = pendingFailure {
                pendingFailure = nil
                writeResponse(failure, for: nil, keepAlive: false)
            }
            return
        }
        let request = queue.removeFirst()
        if !readingEnabled, !peerClosed, !upgraded, queue.count < core.configuration.maxPipelinedRequests { setReading(true) }
        busy = true
        let core = core
        let requestContext = RequestContext(
            requestID: core.nextRequestID(), logger: core.logger, remoteAddress: remote, connection: signal)
        let loop = context.loop
        switch core.configuration.handlerExecution {
        case .globalPool:
            Task {
                let response = await core.table.respond(to: request, context: requestContext)
                loop.execute { self.responseReady(response, for: request.head) }
            }
        case .eventLoop:
            Task(executorPreference: loop) {
                let response = await core.table.respond(to: request, context: requestContext)
                if loop.inEventLoop {
                    self.responseReady(response, for: request.head)
                } else {
                    loop.execute { self.responseReady(response, for: request.head) }
                }
            }
        }
    }

    func responseReady(_ response: Response, for head: HTTPRequestHead) {
        guard !closed else { return }
        let keepAlive = head.keepAlive && !(peerClosed && queue.isEmpty) && !core.draining.load(ordering: .relaxed)
        writeResponse(response, for: head, keepAlive: keepAlive)
    }

    /// A rejected connection (503 past the connection limit) answers once and closes.
    func reject(_ response: Response) {
        pauseParsing()
        headStart = nil
        writeResponse(response, for: nil, keepAlive: false)
    }

    func checkTimeouts(now: UInt64) {
        guard !closed else { return }
        if let lingerDeadline {
            if now >= lingerDeadline { close() }
            return
        }
        // A peer that stops reading for the idle timeout is gone as far as we care.
        if outOffset < out.count {
            if now &- lastWriteProgress > core.idleTimeout { close() }
            return
        }
        guard !upgraded, !busy, queue.isEmpty, outOffset == out.count, pendingFailure == nil else { return }
        if let headStart, now &- headStart > core.headerTimeout {
            timeOut()
        } else if let bodyStart, now &- bodyStart > core.bodyTimeout {
            timeOut()
        } else if head == nil, headStart == nil, now &- idleSince > core.idleTimeout {
            close()
        }
    }

    /// 408 for a head or body that arrives too slowly (RFC 9110 §15.5.9), then close.
    func timeOut() {
        pauseParsing()
        headStart = nil
        bodyStart = nil
        head = nil
        writeResponse(HTTPError(.requestTimeout, message: "request not received in time").response, for: nil, keepAlive: false)
    }

    /// Stops parsing and reading: nothing after this request is ours to buffer yet (an upgrade,
    /// a closing request, a parse error), and unread bytes must not pile up in memory.
    func pauseParsing() {
        parsingPaused = true
        setReading(false)
    }

    func setReading(_ enabled: Bool) {
        readingEnabled = enabled
        updateInterest()
    }

    func updateInterest() {
        guard !closed else { return }
        let events = (readingEnabled ? EventMask.readable : 0) | (writeInterest ? EventMask.writable : 0)
        if events != registeredEvents {
            registeredEvents = events
            context.loop.modify(socket.rawValue, events: events)
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        signal.markPeerClosed()
        context.loop.deregister(socket.rawValue)
        socket.close()
        context.connections[socket.rawValue] = nil
        if counted {
            core.activeConnections.wrappingSubtract(1, ordering: .relaxed)
            if lingerDeadline != nil { core.lingeringConnections.wrappingSubtract(1, ordering: .relaxed) }
        }
        let waiters = flushWaiters
        flushWaiters = []
        for waiter in waiters { waiter.resume(throwing: SocketError(call: "write", message: "connection closed")) }
        if let waiter = readWaiter {
            readWaiter = nil
            waiter.resume(returning: nil)
        }
    }
}
