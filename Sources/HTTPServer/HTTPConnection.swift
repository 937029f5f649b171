import Glibc
import HTTP1
import Sockets
import Synchronization

/// One accepted connection: carries out what `HTTPConnectionStateMachine` decides — reads and
/// parses on its loop, runs handlers as tasks, writes responses in request order (pipelining,
/// RFC 9112 §9.3.2) and closes on the machine's timeouts.
///
/// `@unchecked Sendable`: all state is touched only on `context.loop`'s thread; tasks reach it
/// exclusively through `loop.execute`.
final class HTTPConnection: EventLoopHandler, @unchecked Sendable {
    typealias StateMachine = HTTPConnectionStateMachine<Request>

    let socket: Socket
    let remote: SocketAddress?
    let context: LoopContext
    /// Whether this connection counts against `maxConnections` (a rejected one does not).
    let counted: Bool
    var machine: StateMachine
    var parser: HTTPRequestParser

    /// The request whose body is being read.
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    var out = OutboundBuffer()
    var flushWaiters: [CheckedContinuation<Void, any Error>] = []
    var registeredEvents: UInt32 = EventMask.readable
    /// Counted in `core.lingeringConnections` (shutdown does not wait for these).
    var countedAsLingering = false
    /// Resources released (the machine closed, or registration failed).
    var released = false

    /// Shared with every request context of this connection (see `ConnectionSignal`).
    let signal = ConnectionSignal()

    var inbound: [UInt8] = []
    var readWaiter: CheckedContinuation<[UInt8]?, any Error>?
    /// The upgraded protocol lags behind: stop reading until it takes what is buffered.
    var inboundBackpressure = false

    init(socket: Socket, remote: SocketAddress?, context: LoopContext, counted: Bool) {
        self.socket = socket
        self.remote = remote
        self.context = context
        self.counted = counted
        parser = HTTPRequestParser(limits: context.core.configuration.limits)
        machine = StateMachine(configuration: context.core.stateMachineConfiguration, now: context.loop.now)
    }

    var core: ServerCore { context.core }

    var closed: Bool { machine.isClosed }

    /// Nothing in flight: safe to close during a drain.
    var isIdle: Bool { machine.isIdle }

    func handleEvents(_ events: UInt32) {
        guard !closed else { return }
        if events & EventMask.writable != 0 { flush() }
        guard !closed else { return }
        if events & (EventMask.readable | EventMask.hangup | EventMask.error) != 0 { readOnce() }
        if events & EventMask.hangup != 0 { execute(machine.on(.hangUp)) }
    }

    /// One read per readiness event; level-triggered epoll reports leftovers again.
    func readOnce() {
        let result: SocketDescriptor.IOResult
        do {
            result = try socket.descriptor.read(into: context.readBuffer)
        } catch {
            execute(machine.on(.ioFailed))
            return
        }
        switch result {
        case .wouldBlock:
            return
        case .endOfFile:
            signal.markPeerClosed()
            execute(machine.on(.peerClosed))
        case .bytes(let count):
            let bytes = UnsafeRawBufferPointer(rebasing: context.readBuffer[0..<count])
            switch machine.on(.bytesReceived(now: context.loop.now)) {
            case .parse:
                parser.feed(bytes)
                processInput()
            case .deliverUpgraded:
                inbound.append(contentsOf: bytes)
                // Backpressure: stop reading while the upgraded handler lags behind.
                if inbound.count >= 1 << 20 { inboundBackpressure = true }
                updateInterest()
                deliverInbound()
            default:
                break
            }
        }
    }

    /// Feeds parser events to the machine until it stops or the input runs out, then starts what can start.
    func processInput() {
        parsing: while machine.canParse {
            let event: HTTPParserEvent?
            do {
                event = try parser.next()
            } catch {
                head = nil
                body = []
                execute(machine.on(.parseFailed(error)))
                return
            }
            guard let event else { break }
            switch event {
            case .head(let newHead):
                head = newHead
                // Reserve at most 64 KiB up front: a declared length is only a claim until the bytes arrive.
                if case .contentLength(let length) = newHead.bodyFraming { body.reserveCapacity(min(length, 1 << 16)) }
                let expectsContinue = newHead.expectsContinue && newHead.bodyFraming != .none && parser.bufferedByteCount == 0
                if case .sendContinue = machine.on(.headParsed(expectsContinue: expectsContinue, now: context.loop.now)) {
                    out.append(HTTPResponseSerializer.continueResponse)
                    flush()
                    if closed { return }
                }
            case .body(let bytes):
                if body.isEmpty { body = bytes } else { body.append(contentsOf: bytes) }
            case .end:
                guard let finished = head else { continue }
                let request = Request(head: finished, body: body, remoteAddress: remote)
                head = nil
                body = []
                let action = machine.on(
                    .requestParsed(
                        request, closesConnection: !finished.keepAlive,
                        mayUpgrade: finished.method == .connect || finished.headers.contains("Upgrade"),
                        moreBuffered: parser.bufferedByteCount > 0, now: context.loop.now))
                if case .stopParsing = action { break parsing }
            }
        }
        execute(machine.on(.inputConsumed))
    }

    /// Carries out `action`; actions that lead to further events feed them back in.
    func execute(_ action: StateMachine.Action) {
        switch action {
        case .none, .discard, .stopParsing, .parse, .sendContinue:
            updateInterest()
        case .runHandler(let request):
            updateInterest()
            runHandler(request)
        case .writeResponse:
            // Only `handlerDone` answers this, with the response in hand (`responseReady`).
            break
        case .writeError(let failure):
            updateInterest()
            writeResponse(Self.response(for: failure), for: nil, keepAlive: false)
        case .switchProtocol:
            // `writeResponse` starts the upgrade itself, right after queuing the 101 head.
            break
        case .flush:
            flush()
        case .flushThenParse:
            updateInterest()
            flush()
            processInput()
        case .deliverUpgraded:
            updateInterest()
            deliverInbound()
        case .lingerClose:
            // RFC 9112 §9.6: half-close and drain unread input briefly, so a reset does not destroy the response.
            socket.descriptor.shutdownWrite()
            if counted {
                countedAsLingering = true
                core.lingeringConnections.wrappingAdd(1, ordering: .relaxed)
            }
            updateInterest()
        case .close:
            release()
        }
    }

    static func response(for failure: StateMachine.Failure) -> Response {
        switch failure {
        case .malformed(let error): HTTPError(error.status, message: error.description).response
        case .requestTimeout: HTTPError(.requestTimeout, message: "request not received in time").response
        case .overloaded:
            HTTPError(.serviceUnavailable, code: "TOO_MANY_CONNECTIONS", message: "the server is at its connection limit").response
        }
    }

    func runHandler(_ request: Request) {
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
        let action = machine.on(.handlerDone(requestKeepAlive: head.keepAlive, draining: core.draining.load(ordering: .relaxed)))
        guard case .writeResponse(let keepAlive) = action else { return }
        writeResponse(response, for: head, keepAlive: keepAlive)
    }

    /// A rejected connection (503 past the connection limit) answers once and closes.
    func reject() {
        execute(machine.on(.rejected))
    }

    func checkTimeouts(now: UInt64) {
        execute(machine.on(.tick(now: now)))
    }

    /// Server drain (`force`: the deadline passed): the machine decides whether this connection closes now.
    func shutdown(force: Bool) {
        execute(machine.on(.shutdown(force: force)))
    }

    func updateInterest() {
        guard !released else { return }
        let reading = machine.upgraded ? machine.reading && !inboundBackpressure : machine.reading
        let events = (reading ? EventMask.readable : 0) | (machine.outputPending ? EventMask.writable : 0)
        if events != registeredEvents {
            registeredEvents = events
            context.loop.modify(socket.rawValue, events: events)
        }
    }

    /// Releases the socket, the connection slot and every waiter (the machine has closed, or registration failed).
    func release() {
        guard !released else { return }
        released = true
        signal.markPeerClosed()
        context.loop.deregister(socket.rawValue)
        socket.close()
        out.removeAll()
        context.connections[socket.rawValue] = nil
        if counted {
            core.activeConnections.wrappingSubtract(1, ordering: .relaxed)
            if countedAsLingering { core.lingeringConnections.wrappingSubtract(1, ordering: .relaxed) }
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
