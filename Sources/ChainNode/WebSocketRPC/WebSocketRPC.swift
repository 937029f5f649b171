public import HTTPServer
import HTTP1
import JSON
import Ledger
public import Logging
import Metrics
import Synchronization
import WebSocket
import WireModels

/// The chain node's WebSocket RPC (spec/chain-node.md §9, docs/chain-node.md "WebSocket RPC"):
///
/// * `/rpc/ws`: `subscribe` to `heads`, `txs`, `accounts` or `receipt` (with a filter and an
///   optional `since`), `unsubscribe`; frames `{"subscription","topic","height","data"}`.
/// * `/rpc/ws/blocks`, `/rpc/ws/transactions`: every block / every included transaction, each
///   frame the bare REST body; `?since=<height>` on every path.
///
/// `Chain.events` listeners run on the commit path, so the listener here only appends the event
/// to a FIFO; one pump task builds each block's frames once (`BlockFeed`) and queues them on
/// every socket without waiting for any (`RPCSocket`). A socket whose bounded queue cannot take a
/// block is closed with 4008 and the height to resume from; one that misses a pong with 1011.
public final class WebSocketRPC: Sendable {
    /// The subscribe protocol.
    public static let path = "/rpc/ws"
    /// Every block, bare BlockView frames.
    public static let blocksPath = "/rpc/ws/blocks"
    /// Every included transaction, bare TxView frames.
    public static let transactionsPath = "/rpc/ws/transactions"

    /// An event as heard, with when.
    struct Heard: Sendable {
        var event: ChainEvent
        var at: ContinuousClock.Instant
    }

    private struct Sockets {
        var closed = false
        var next: UInt64 = 0
        var all: [UInt64: RPCSocket] = [:]
    }

    let chain: Chain
    public let settings: WebSocketRPCSettings
    let metrics: WebSocketRPCMetrics
    let logger: Logger
    private let sockets = Mutex(Sockets())
    private let feed: AsyncStream<Heard>.Continuation
    private let listener: ChainEvents.ListenerID
    private let pump = Mutex<Task<Void, Never>?>(nil)
    /// The deepest send queue seen after a delivery (frames, bytes): what the limits bound.
    private let peaks = Mutex<(frames: Int, bytes: Int)>((0, 0))

    /// Listens to `chain` and starts the pump; `install(on:)` adds the routes.
    public init(chain: Chain, settings: WebSocketRPCSettings, logger: Logger) {
        self.chain = chain
        self.settings = settings
        self.logger = logger
        metrics = WebSocketRPCMetrics()
        let (stream, continuation) = AsyncStream<Heard>.makeStream(bufferingPolicy: .unbounded)
        feed = continuation
        // On the commit path: only enqueue.
        listener = chain.events.add { event in continuation.yield(Heard(event: event, at: .now)) }
        let start = chain.head.height
        pump.withLock { $0 = Task { [self] in await runPump(stream, height: start) } }
    }

    /// Open sockets.
    public var connectionCount: Int { sockets.withLock { $0.all.count } }

    /// The deepest send queue seen right after queuing a block's frames: at most
    /// `WS_QUEUE_SIZE` frames (plus control frames) and `WS_QUEUE_BYTES` bytes (plus one batch
    /// that went into an empty queue).
    public var peakQueue: (frames: Int, bytes: Int) { peaks.withLock { $0 } }

    /// Registers the three endpoints and the connection limit on `router`.
    public func install(on router: Router) {
        router.add(middleware: WebSocketRPCAdmission(rpc: self))
        let headroom = RPCSocket.controlHeadroom
        let configuration = WebSocketConfiguration(
            maxFrameSize: settings.maxMessageBytes, maxMessageSize: settings.maxMessageBytes, maxQueuedMessages: settings.queueSize + headroom,
            maxQueuedBytes: settings.queueBytes + headroom * WebSocketConnection.maxControlFrameBytes, slowConsumerCloseCode: .policyViolation,
            closeTimeout: settings.closeTimeout)
        // Offered by the client → used. The node's side resets per message, so a bare frame is
        // compressed once for every socket; a small window bounds each socket's zlib memory.
        let deflate = PerMessageDeflateConfiguration(serverNoContextTakeover: true, serverMaxWindowBits: 12, memoryLevel: 5)
        let routes: [(String, RPCSocket.Kind)] = [(Self.path, .rpc), (Self.blocksPath, .bare(.heads)), (Self.transactionsPath, .bare(.txs))]
        for (path, kind) in routes {
            router.webSocket(path, configuration: configuration, deflate: deflate) { [self] request, _, connection in
                // The admission middleware refused a malformed `since` before the upgrade.
                let since = (try? Self.since(request)) ?? nil
                await serve(connection, kind: kind, since: since)
            }
        }
    }

    /// Stops listening, closes every socket with 1001 (concurrently, each bounded by its close
    /// timeout) and refuses new ones.
    public func shutdown() async {
        chain.events.remove(listener)
        feed.finish()
        let open = sockets.withLock { sockets in
            sockets.closed = true
            return Array(sockets.all.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for socket in open {
                group.addTask {
                    socket.removeAll()
                    await socket.connection.close(code: .goingAway, reason: "chain node shutting down")
                }
            }
        }
        let task = pump.withLock { $0 }
        await task?.value
    }

    /// Closes every open socket with 1012 (service restart) and keeps serving: clients
    /// reconnect with `since` (e.g. before a maintenance that must not hold subscribers).
    public func disconnectAll(reason: String) async {
        let open = open
        await withTaskGroup(of: Void.self) { group in
            for socket in open {
                group.addTask {
                    socket.removeAll()
                    await socket.connection.close(code: .serviceRestart, reason: reason)
                }
            }
        }
    }

    /// `?since=` of an upgrade request: nil when absent.
    /// - Throws: `ChainSocketError` `INVALID_SINCE`.
    static func since(_ request: Request) throws(ChainSocketError) -> UInt64? {
        guard let text = request.query["since"] else { return nil }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let height = UInt64(text), height <= UInt64(Int64.max) else {
            throw ChainSocketError(id: nil, code: ChainSocketError.Code.invalidSince, message: "since: must be a block height (an integer ≥ 0)")
        }
        return height
    }

    // MARK: the pump

    private func runPump(_ stream: AsyncStream<Heard>, height start: UInt64) async {
        var height = start
        for await heard in stream {
            switch heard.event {
            case .blockCommitted(let committed):
                height = committed.block.height
                await publish(committed, at: heard.at)
            case .transactionsAdmitted(let transactions):
                publishPending(transactions, height: height)
            case .blocksReverted(let blocks):
                let fork = (blocks.map(\.height).min() ?? 1) - 1
                height = fork
                for socket in open { socket.reorganized(forkHeight: fork) }
            }
        }
    }

    private var open: [RPCSocket] { sockets.withLock { Array($0.all.values) } }

    private func publish(_ committed: CommittedBlock, at instant: ContinuousClock.Instant) async {
        let open = open
        guard !open.isEmpty else { return }
        var receipts: Set<ReceiptID> = []
        if metrics.subscribers(.receipt) > 0 {
            for socket in open { receipts.formUnion(socket.receiptsWanted) }
        }
        let feed = await BlockFeed.live(
            committed, at: instant, chain: chain, transactions: metrics.subscribers(.txs) > 0, accounts: metrics.subscribers(.accounts) > 0,
            receipts: receipts)
        var deepest = (frames: 0, bytes: 0)
        for socket in open {
            socket.deliver(feed)
            metrics.delivery.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - instant))
            deepest.frames = max(deepest.frames, socket.connection.queuedFrameCount)
            deepest.bytes = max(deepest.bytes, socket.connection.queuedByteCount)
        }
        peaks.withLock { peaks in peaks = (max(peaks.frames, deepest.frames), max(peaks.bytes, deepest.bytes)) }
    }

    private func publishPending(_ transactions: [VerifiedTransaction], height: UInt64) {
        let listening = open.filter(\.wantsPending)
        guard !listening.isEmpty else { return }
        let views = transactions.map { BlockFeed.Transaction(Chain.pendingView($0.message, id: $0.id)) }
        for socket in listening { socket.deliverPending(views, height: height) }
    }

    static func integer(_ value: UInt64) -> JSONValue { .integer(JSONInteger(Int64(clamping: value))) }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    // MARK: sockets

    /// Runs one socket until it closes: its receive loop, keepalive and backfills.
    func serve(_ connection: WebSocketConnection, kind: RPCSocket.Kind, since: UInt64?) async {
        let socket = RPCSocket(kind: kind, connection: connection, settings: settings, metrics: metrics, since: since)
        let id = sockets.withLock { sockets -> UInt64? in
            guard !sockets.closed else { return nil }
            sockets.next += 1
            sockets.all[sockets.next] = socket
            return sockets.next
        }
        guard let id else {
            await connection.close(code: .goingAway, reason: "chain node shutting down")
            return
        }
        metrics.connection(1)
        await withDiscardingTaskGroup { group in
            let interval = settings.pingInterval
            let metrics = metrics
            group.addTask {
                await connection.keepalive(every: interval)
                if let status = connection.closeStatus, status.code == .internalServerError, status.reason == "keepalive timeout" {
                    metrics.dropped(.keepalive)
                }
            }
            if case .bare(let topic) = kind {
                subscribe(socket, request: ChainSubscribeRequest(id: "", topic: topic, since: since), bare: true, group: &group)
            }
            do throws(WebSocketError) {
                while let message = try await connection.receive() {
                    guard case .rpc = kind else { continue }  // the bare endpoints act on nothing a client sends
                    handle(message, socket: socket, group: &group)
                }
            } catch {
                switch error {
                case .connectionClosed, .transport: break
                default: metrics.dropped(.protocol)
                }
            }
            socket.removeAll()
            group.cancelAll()
        }
        sockets.withLock { _ = $0.all.removeValue(forKey: id) }
        metrics.connection(-1)
    }

    /// One client message on `/rpc/ws`.
    private func handle(_ message: WebSocketMessage, socket: RPCSocket, group: inout DiscardingTaskGroup) {
        guard case .text(let text) = message else {
            return answer(socket, ChainSocketError(id: nil, code: ChainSocketError.Code.invalidMessage, message: "messages must be JSON text"), group: &group)
        }
        let body: JSONValue
        do {
            body = try JSONParser(limits: .init(maxInputBytes: settings.maxMessageBytes, maxDepth: 16)).parse(Array(text.utf8))
        } catch {
            return answer(socket, ChainSocketError(id: nil, code: ChainSocketError.Code.invalidJSON, message: "the message is not JSON: \(error)"), group: &group)
        }
        let id = body["id"]?.stringValue.flatMap { $0.unicodeScalars.count <= ChainSubscribeRequest.maxIDLength ? $0 : nil }
        switch body["op"]?.stringValue {
        case "subscribe":
            do throws(WireDecodingError) {
                var request = try ChainSubscribeRequest(json: body)
                if request.since == nil { request.since = socket.defaultSince }
                subscribe(socket, request: request, bare: false, group: &group)
            } catch {
                answer(socket, Self.refusal(error, id: id), group: &group)
            }
        case "unsubscribe":
            do throws(WireDecodingError) {
                let request = try ChainUnsubscribeRequest(json: body)
                if socket.remove(request.subscription) {
                    answer(socket, ChainUnsubscribedMessage(id: request.id, subscription: request.subscription), group: &group)
                } else {
                    answer(socket, ChainSocketError(
                        id: request.id, code: ChainSocketError.Code.unknownSubscription, message: "no such subscription on this connection",
                        details: .object([JSONMember(key: "subscription", value: .string(request.subscription))])), group: &group)
                }
            } catch {
                answer(socket, Self.refusal(error, id: id), group: &group)
            }
        case nil:
            answer(socket, ChainSocketError(
                id: id, code: ChainSocketError.Code.invalidMessage, message: "op: field required (subscribe or unsubscribe)",
                details: .object([JSONMember(key: "field", value: "op")])), group: &group)
        case _?:
            answer(socket, ChainSocketError(
                id: id, code: ChainSocketError.Code.unknownOp, message: "op: must be subscribe or unsubscribe",
                details: .object([JSONMember(key: "field", value: "op")])), group: &group)
        }
    }

    /// The error answer for a request that does not decode, its code by the field at fault.
    static func refusal(_ error: WireDecodingError, id: String?) -> ChainSocketError {
        let code: String
        switch error.field {
        case "topic": code = ChainSocketError.Code.unknownTopic
        case "since": code = ChainSocketError.Code.invalidSince
        case let field where field.hasPrefix("filter"): code = ChainSocketError.Code.invalidFilter
        default: code = ChainSocketError.Code.invalidMessage
        }
        return ChainSocketError(id: id, code: code, message: error.description, details: .object([JSONMember(key: "field", value: .string(error.field))]))
    }

    private func answer(_ socket: RPCSocket, _ message: some WireMessage, group: inout DiscardingTaskGroup) {
        group.addTask { await socket.reply(message) }
    }

    /// Registers a subscription now (so its number follows the order of the requests), then
    /// answers and backfills in a task of the socket's group, which keeps reading meanwhile.
    private func subscribe(_ socket: RPCSocket, request: ChainSubscribeRequest, bare: Bool, group: inout DiscardingTaskGroup) {
        let start = chain.head.height
        switch socket.register(topic: request.topic, filter: request.filter, since: request.since, start: start, bare: bare) {
        case nil:
            return
        case .failure(var error)?:
            error.id = request.id
            answer(socket, error, group: &group)
        case .success(let subscription)?:
            group.addTask { [self] in await follow(socket, subscription: subscription, request: request, bare: bare) }
        }
    }

    /// A registered subscription's start: the answer, the frames from `since` to the head seen
    /// after registering (read from the store), then the held live frames.
    private func follow(_ socket: RPCSocket, subscription: String, request: ChainSubscribeRequest, bare: Bool) async {
        let head = chain.head.height
        let since = request.since ?? head
        if since < head, head - since > settings.maxBackfillBlocks {
            socket.remove(subscription)
            let error = ChainSocketError(
                id: request.id, code: ChainSocketError.Code.sinceTooOld,
                message: "since \(since) is \(head - since) blocks behind the head \(head); at most \(settings.maxBackfillBlocks) (WS_MAX_BACKFILL_BLOCKS)",
                details: .object([
                    JSONMember(key: "since", value: Self.integer(since)), JSONMember(key: "head", value: Self.integer(head)),
                    JSONMember(key: "max_backfill_blocks", value: Self.integer(settings.maxBackfillBlocks)),
                ]))
            if bare {
                // No protocol to answer in: the close says it (4400 + the message).
                await socket.connection.close(code: WebSocketCloseCode(rawValue: 4400), reason: "SINCE_TOO_OLD")
            } else {
                await socket.reply(error)
            }
            return
        }
        if !bare {
            guard await socket.reply(ChainSubscribedMessage(id: request.id, subscription: subscription, head: head)) else { return }
        }
        do throws(ChainError) {
            switch request.topic {
            case .receipt:
                if let receiptID = request.filter.receiptID {
                    do throws(ChainError) {
                        let view = try await chain.receipt(receiptID)
                        if socket.claimReceipt(subscription) {
                            let frame = BlockFeed.envelope(subscription: subscription, topic: .receipt, height: view.blockHeight, data: BlockFeed.encode(view.json))
                            guard await socket.send([frame], topic: .receipt) else { return }
                        }
                    } catch where error.code == "RECEIPT_NOT_FOUND" {}
                }
            case .accounts:
                // No per-block history of balances is kept: a `since` gets each account's state at the head.
                guard request.since != nil else { break }
                var frames: [WebSocketPreparedMessage] = []
                for address in request.filter.addresses {
                    let view = try await chain.account(address)
                    frames.append(BlockFeed.envelope(subscription: subscription, topic: .accounts, height: head, data: BlockFeed.encode(view.json)))
                }
                guard await socket.send(frames, topic: .accounts) else { return }
            case .heads, .txs:
                var height = since
                while height < head {
                    height += 1
                    guard socket.isActive(subscription) else { return }
                    let feed = try await BlockFeed.stored(height: height, chain: chain, transactions: request.topic == .txs)
                    let frames = RPCSocket.frames(
                        for: RPCSocket.Subscription(
                            id: subscription, topic: request.topic, filter: request.filter, bare: bare, after: since, complete: since), feed)
                    guard await socket.send(frames, topic: request.topic) else { return }
                    socket.backfilled(subscription, through: height)
                }
            }
        } catch {
            logger.warning("websocket backfill failed", metadata: ["subscription": "\(subscription)", "error": "\(error)"])
            socket.remove(subscription)
            await socket.reply(ChainSocketError(id: request.id, code: ChainSocketError.Code.unavailable, message: "the backfill could not be read; subscribe again"))
            return
        }
        socket.release(subscription, head: head)
    }
}

/// Refuses a WebSocket RPC upgrade before the handshake: 503 past `WS_MAX_CONNECTIONS`, 422 for
/// a malformed `?since=`, 400 `SINCE_TOO_OLD` for one further back than `WS_MAX_BACKFILL_BLOCKS`.
struct WebSocketRPCAdmission: Middleware {
    let rpc: WebSocketRPC

    func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        switch context.route {
        case WebSocketRPC.path, WebSocketRPC.blocksPath, WebSocketRPC.transactionsPath: break
        default: return try await next(request, context)
        }
        guard rpc.connectionCount < rpc.settings.maxConnections else {
            throw HTTPError(
                .serviceUnavailable, code: "TOO_MANY_CONNECTIONS",
                message: "the node serves at most \(rpc.settings.maxConnections) WebSocket connections (WS_MAX_CONNECTIONS)",
                headers: ["Retry-After": "5"])
        }
        let since: UInt64?
        do {
            since = try WebSocketRPC.since(request)
        } catch {
            throw HTTPError(.unprocessableContent, code: error.code, message: error.message, details: .object([JSONMember(key: "field", value: "since")]))
        }
        // Said before the upgrade where possible (a bare endpoint has no error frame); the
        // subscription checks again against the head it starts at.
        let head = rpc.chain.head.height
        if let since, since < head, head - since > rpc.settings.maxBackfillBlocks {
            throw HTTPError(
                .badRequest, code: ChainSocketError.Code.sinceTooOld,
                message: "since \(since) is \(head - since) blocks behind the head \(head); at most \(rpc.settings.maxBackfillBlocks) (WS_MAX_BACKFILL_BLOCKS)",
                details: .object([JSONMember(key: "field", value: "since")]))
        }
        return try await next(request, context)
    }
}
