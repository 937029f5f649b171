import JSON
import Ledger
import Synchronization
import WebSocket
import WireModels

/// One WebSocket RPC socket and its subscriptions.
///
/// Frames reach the socket's bounded send queue from two places: the feed pump (live blocks,
/// in commit order, under this socket's lock) and a subscription's backfill (blocks read from
/// the store). A subscription with a `since` is registered before its backfill starts and its
/// live frames are held back meanwhile; the backfill runs to the head seen after registering,
/// then the held frames above that head are released — no gap, no duplicate.
///
/// Each subscription knows the last height all of whose frames are queued (`complete`). When
/// the queue cannot take a block's frames, nothing of that block is queued and the socket is
/// closed with 4008 `resume_since=<h>`, h the smallest `complete`: the close frame follows the
/// frames already queued, so a client that reads it has every frame up to h, and subscribing
/// again with `since=h` loses nothing.
final class RPCSocket: Sendable {
    /// Which endpoint the socket came in on.
    enum Kind: Sendable {
        /// `/rpc/ws`: the subscribe protocol.
        case rpc
        /// `/rpc/ws/blocks` or `/rpc/ws/transactions`: one implicit subscription, bare frames.
        case bare(ChainSubscriptionTopic)
    }

    /// A frame of a block above the head a backfill runs to, held until the backfill is done.
    struct Held: Sendable {
        var height: UInt64
        /// A pending transaction: not part of any block, released whatever its height.
        var pending: Bool
        var frame: WebSocketPreparedMessage
    }

    struct Subscription: Sendable {
        /// `s1`, `s2`, … ("" for a bare endpoint's implicit one).
        var id: String
        var topic: ChainSubscriptionTopic
        var filter: ChainSubscriptionFilter
        var bare: Bool
        /// Blocks at or below this height are covered by the backfill (or came before the start).
        var after: UInt64
        /// The last height all of whose frames are queued.
        var complete: UInt64
        /// Live frames held while the backfill runs; nil once live.
        var held: [Held]?
        /// The last block the pump saw while holding.
        var heldThrough: UInt64 = 0
        /// The receipt's frame went out (it is sent once).
        var receiptSent = false
    }

    struct State: Sendable {
        var subscriptions: [Subscription] = []
        var issued = 0
        /// Closing (lagging, shutdown): nothing more is queued.
        var closing = false
    }

    /// What a delivery did.
    enum Outcome {
        case queued([ChainSubscriptionTopic: Int])
        case lagging(resume: UInt64, topics: [ChainSubscriptionTopic])
        case closed
    }

    /// The close code of a subscriber that fell behind (an application code: RFC 6455 §7.4.2).
    static let laggingCloseCode = WebSocketCloseCode(rawValue: 4008)
    /// Control frames (pings, pongs, the close) kept room for in the send queue.
    static let controlHeadroom = 8

    let kind: Kind
    let connection: WebSocketConnection
    let settings: WebSocketRPCSettings
    let metrics: WebSocketRPCMetrics
    /// `?since=` of the upgrade request: the default `since` of the socket's subscriptions.
    let defaultSince: UInt64?
    private let state = Mutex(State())

    init(kind: Kind, connection: WebSocketConnection, settings: WebSocketRPCSettings, metrics: WebSocketRPCMetrics, since: UInt64?) {
        self.kind = kind
        self.connection = connection
        self.settings = settings
        self.metrics = metrics
        defaultSince = since
    }

    /// Topics of the live subscriptions, for the pump's "does anyone listen" checks.
    var receiptsWanted: [ReceiptID] {
        state.withLock { state in state.subscriptions.compactMap { $0.topic == .receipt && !$0.receiptSent ? $0.filter.receiptID : nil } }
    }

    /// Whether a subscription holds `include_pending`.
    var wantsPending: Bool { state.withLock { $0.subscriptions.contains { $0.topic == .txs && $0.filter.includePending } } }

    // MARK: live delivery (the pump)

    /// Queues this block's frames for every subscription, all or none.
    func deliver(_ feed: BlockFeed) {
        let outcome = state.withLock { state -> Outcome in
            guard !state.closing else { return .closed }
            var batch: [WebSocketPreparedMessage] = []
            var counts: [ChainSubscriptionTopic: Int] = [:]
            var live: [Int] = []
            for index in state.subscriptions.indices where feed.height > state.subscriptions[index].after {
                let subscription = state.subscriptions[index]
                let frames = Self.frames(for: subscription, feed)
                if subscription.topic == .receipt, !frames.isEmpty { state.subscriptions[index].receiptSent = true }
                if var held = subscription.held {
                    held += frames.map { Held(height: feed.height, pending: false, frame: $0) }
                    state.subscriptions[index].held = held
                    state.subscriptions[index].heldThrough = feed.height
                    if held.count > settings.queueSize { return Self.lag(&state) }
                    continue
                }
                batch += frames
                counts[subscription.topic, default: 0] += frames.count
                live.append(index)
            }
            do {
                guard try connection.offer(batch, headroom: Self.controlHeadroom) else { return Self.lag(&state) }
            } catch {
                state.closing = true
                return .closed
            }
            for index in live { state.subscriptions[index].complete = feed.height }
            return .queued(counts)
        }
        finish(outcome)
    }

    /// Queues newly admitted transactions for the `include_pending` subscriptions whose filter
    /// takes them; `height` is the last block the pump delivered.
    func deliverPending(_ transactions: [BlockFeed.Transaction], height: UInt64) {
        let outcome = state.withLock { state -> Outcome in
            guard !state.closing else { return .closed }
            var batch: [WebSocketPreparedMessage] = []
            for index in state.subscriptions.indices {
                let subscription = state.subscriptions[index]
                guard subscription.topic == .txs, subscription.filter.includePending else { continue }
                let frames = transactions.filter { $0.matches(subscription.filter.address) }.map { transaction in
                    BlockFeed.envelope(subscription: subscription.id, topic: .txs, height: height, data: transaction.data)
                }
                if var held = subscription.held {
                    held += frames.map { Held(height: height, pending: true, frame: $0) }
                    state.subscriptions[index].held = held
                    if held.count > settings.queueSize { return Self.lag(&state) }
                    continue
                }
                batch += frames
            }
            do {
                guard try connection.offer(batch, headroom: Self.controlHeadroom) else { return Self.lag(&state) }
            } catch {
                state.closing = true
                return .closed
            }
            return .queued([.txs: batch.count])
        }
        finish(outcome)
    }

    /// The frames `subscription` gets of `feed`.
    static func frames(for subscription: Subscription, _ feed: BlockFeed) -> [WebSocketPreparedMessage] {
        let id = subscription.id
        switch subscription.topic {
        case .heads:
            return [subscription.bare ? feed.headPrepared : BlockFeed.envelope(subscription: id, topic: .heads, height: feed.height, data: feed.head)]
        case .txs:
            return feed.transactions.filter { $0.matches(subscription.filter.address) }.map { transaction in
                subscription.bare ? transaction.prepared : BlockFeed.envelope(subscription: id, topic: .txs, height: feed.height, data: transaction.data)
            }
        case .accounts:
            return subscription.filter.addresses.compactMap { address in
                feed.accounts[address].map { BlockFeed.envelope(subscription: id, topic: .accounts, height: feed.height, data: $0) }
            }
        case .receipt:
            guard !subscription.receiptSent, let receiptID = subscription.filter.receiptID, let receipt = feed.receipts[receiptID] else { return [] }
            return [BlockFeed.envelope(subscription: id, topic: .receipt, height: receipt.height, data: receipt.data)]
        }
    }

    /// A reorg unwound the blocks above `forkHeight`: frames this socket got for them describe
    /// blocks that are no longer the chain. It is closed with 4008 like a lagging socket, its
    /// resume point at or below the fork, so reconnecting with it replays the winning branch.
    func reorganized(forkHeight: UInt64) {
        let outcome = state.withLock { state -> Outcome in
            guard !state.closing, !state.subscriptions.isEmpty else { return .closed }
            return Self.lag(&state, atMost: forkHeight)
        }
        finish(outcome)
    }

    /// Closing for lagging: the resume point is the least complete height of all subscriptions.
    private static func lag(_ state: inout State, atMost ceiling: UInt64 = .max) -> Outcome {
        let resume = min(ceiling, state.subscriptions.map(\.complete).min() ?? 0)
        let topics = state.subscriptions.map(\.topic)
        state.subscriptions = []
        state.closing = true
        return .lagging(resume: resume, topics: topics)
    }

    /// Counts what a delivery did and starts the 4008 close of a lagging socket.
    private func finish(_ outcome: Outcome) {
        switch outcome {
        case .queued(let counts):
            for (topic, count) in counts { metrics.framesSent(topic, count) }
        case .lagging(let resume, let topics):
            for topic in topics { metrics.subscription(topic, -1) }
            metrics.dropped(.lagging)
            let connection = connection
            // The close frame follows the frames already queued; the handshake waits at most closeTimeout.
            Task { await connection.close(code: Self.laggingCloseCode, reason: "resume_since=\(resume)") }
        case .closed:
            break
        }
    }

    // MARK: subscribing

    /// Registers a subscription, its live frames held from now on; nil when the socket is
    /// closing, or `TOO_MANY_SUBSCRIPTIONS`.
    /// - Parameter start: the head now, the resume point until the backfill has its own.
    func register(
        topic: ChainSubscriptionTopic, filter: ChainSubscriptionFilter, since: UInt64?, start: UInt64, bare: Bool
    ) -> Result<String, ChainSocketError>? {
        let result = state.withLock { state -> Result<String, ChainSocketError>? in
            guard !state.closing else { return nil }
            guard state.subscriptions.count < settings.maxSubscriptions else {
                return .failure(ChainSocketError(
                    id: nil, code: ChainSocketError.Code.tooManySubscriptions,
                    message: "at most \(settings.maxSubscriptions) subscriptions per connection",
                    details: .object([JSONMember(key: "max_subscriptions", value: .integer(JSONInteger(settings.maxSubscriptions)))])))
            }
            state.issued += 1
            let id = bare ? "" : "s\(state.issued)"
            let from = since ?? start
            state.subscriptions.append(Subscription(id: id, topic: topic, filter: filter, bare: bare, after: from, complete: min(from, start), held: []))
            return .success(id)
        }
        if case .success? = result { metrics.subscription(topic, 1) }
        return result
    }

    /// Removes a subscription; false when there is none of that id.
    @discardableResult
    func remove(_ id: String) -> Bool {
        let removed = state.withLock { state -> ChainSubscriptionTopic? in
            guard let index = state.subscriptions.firstIndex(where: { $0.id == id }) else { return nil }
            return state.subscriptions.remove(at: index).topic
        }
        if let removed { metrics.subscription(removed, -1) }
        return removed != nil
    }

    /// Every subscription ends (the socket closed).
    func removeAll() {
        let topics = state.withLock { state in
            defer { state.subscriptions = [] }
            state.closing = true
            return state.subscriptions.map(\.topic)
        }
        for topic in topics { metrics.subscription(topic, -1) }
    }

    /// The backfill queued every frame of `height`.
    func backfilled(_ id: String, through height: UInt64) {
        update(id) { $0.complete = max($0.complete, height) }
    }

    /// Marks the receipt sent (by the backfill's look-up); false when the pump already sent it.
    func claimReceipt(_ id: String) -> Bool {
        state.withLock { state in
            guard let index = state.subscriptions.firstIndex(where: { $0.id == id }), !state.subscriptions[index].receiptSent else { return false }
            state.subscriptions[index].receiptSent = true
            return true
        }
    }

    /// Whether subscription `id` still exists on an open socket (a backfill stops otherwise).
    func isActive(_ id: String) -> Bool {
        state.withLock { state in !state.closing && state.subscriptions.contains { $0.id == id } }
    }

    /// Ends the backfill of `id`, which covered everything up to `head`: the held frames above
    /// it (and pending transactions) are queued and the subscription goes live.
    func release(_ id: String, head: UInt64) {
        let outcome = state.withLock { state -> Outcome in
            guard !state.closing, let index = state.subscriptions.firstIndex(where: { $0.id == id }) else { return .closed }
            var subscription = state.subscriptions[index]
            let held = subscription.held ?? []
            let frames = held.filter { $0.pending || $0.height > head }.map(\.frame)
            subscription.held = nil
            subscription.after = max(subscription.after, head)
            state.subscriptions[index] = subscription
            do {
                guard try connection.offer(frames, headroom: Self.controlHeadroom) else { return Self.lag(&state) }
            } catch {
                state.closing = true
                return .closed
            }
            state.subscriptions[index].complete = max(subscription.complete, head, subscription.heldThrough)
            return .queued([subscription.topic: frames.count])
        }
        finish(outcome)
    }

    private func update(_ id: String, _ body: (inout Subscription) -> Void) {
        state.withLock { state in
            guard let index = state.subscriptions.firstIndex(where: { $0.id == id }) else { return }
            body(&state.subscriptions[index])
        }
    }

    // MARK: sending outside the pump

    /// Queues a reply (or a backfill's frames) when the queue is at most half full, waiting
    /// for the client to read meanwhile: a backfill goes at the client's pace and leaves the
    /// other half to live frames. False once the socket is closing.
    func send(_ frames: [WebSocketPreparedMessage], topic: ChainSubscriptionTopic? = nil) async -> Bool {
        guard !frames.isEmpty else { return true }
        while true {
            if state.withLock({ $0.closing }) || Task.isCancelled { return false }
            if connection.queuedFrameCount <= settings.queueSize / 2, connection.queuedByteCount <= settings.queueBytes / 2 {
                do {
                    if try connection.offer(frames, headroom: Self.controlHeadroom) {
                        if let topic { metrics.framesSent(topic, frames.count) }
                        return true
                    }
                } catch {
                    return false
                }
            }
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                return false
            }
        }
    }

    /// Queues one reply.
    @discardableResult
    func reply(_ message: some WireMessage) async -> Bool {
        await send([BlockFeed.message(message)])
    }
}
