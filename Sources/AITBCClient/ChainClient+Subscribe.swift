import HTTPClient
import JSON
import TerminalText
import WebSocket
public import WireModels

extension ChainClient {
    /// Follows `topic` over the node's WebSocket RPC (`/rpc/ws`): each element is a frame whose
    /// `data` is the REST body (a BlockView, TxView, AccountView or claimed receipt).
    ///
    /// A dropped connection is reopened with `since` = the last height seen, so no block's
    /// frames are missed: the node sends every frame above `since` first. The frames of the
    /// height that was cut short come again and are skipped here, so none is seen twice (for
    /// `heads` and `txs`; `accounts` and `receipt` resume with the state at the node's head).
    /// When the node stays unreachable for `reconnectWindow` (and at least `maxRetries`
    /// reconnections failed in a row), or on a refusal (`error` frame: a bad filter,
    /// `SINCE_TOO_OLD`), the sequence ends by throwing an `AITBCError`. The window outlasts a
    /// node's restart, so a subscriber rides one out.
    ///
    /// ```swift
    /// for try await frame in chain.subscribe(.heads) { print(frame.height) }
    /// ```
    /// - Parameter since: frames of every block above this height first (nil: from the next block).
    public func subscribe(
        _ topic: ChainSubscriptionTopic, filter: ChainSubscriptionFilter = ChainSubscriptionFilter(), since: UInt64? = nil
    ) -> AsyncThrowingStream<ChainSubscriptionFrame, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ChainSubscriptionFrame, any Error>.makeStream()
        let configuration = transport.configuration
        let url = Self.webSocketURL(configuration.baseURL)
        let task = Task {
            var follower = Follower(topic: topic, since: since)
            var failures = 0
            var unreachableSince: ContinuousClock.Instant?
            while !Task.isCancelled {
                do throws(AITBCError) {
                    try await follower.run(url: url, filter: filter, timeout: configuration.connectTimeout) { frame in
                        failures = 0
                        unreachableSince = nil
                        continuation.yield(frame)
                    }
                } catch where error.kind == .rejected || error.kind == .invalidRequest {
                    continuation.finish(throwing: error)
                    return
                } catch {
                    failures += 1
                    let since = unreachableSince ?? ContinuousClock.now
                    unreachableSince = since
                    guard failures <= configuration.maxRetries || ContinuousClock.now - since < Self.reconnectWindow else {
                        continuation.finish(throwing: error)
                        return
                    }
                }
                // Backoff between reconnections, as the REST calls' retries wait (none after a clean hand-over).
                let delay = RetryPolicy.delay(
                    afterAttempt: max(failures, 1), retryAfter: nil, base: configuration.backoffBase, cap: configuration.backoffMax,
                    now: configuration.now(), jitter: configuration.jitter())
                do {
                    try await configuration.sleep(delay)
                } catch {
                    break
                }
            }
            continuation.finish(throwing: AITBCError.cancelled)
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// How long a subscription keeps reconnecting to a node it cannot reach.
    public static let reconnectWindow: Duration = .seconds(60)

    /// `ws://host:port/rpc/ws` for a node at `http://host:port`.
    static func webSocketURL(_ baseURL: String) -> String {
        var root = baseURL
        if root.hasPrefix("http://") { root = "ws://" + root.dropFirst("http://".count) }
        while root.hasSuffix("/") { root.removeLast() }
        return root + "/rpc/ws"
    }

    /// One subscription across reconnections: where to resume and what not to yield twice.
    struct Follower {
        let topic: ChainSubscriptionTopic
        /// The `since` of the next subscribe.
        var since: UInt64?
        /// The last block height frames were yielded for, and how many of its frames.
        var last: (height: UInt64, count: Int)?
        /// Frames of `skip.height` still to drop after a resume (they were yielded before).
        var skip: (height: UInt64, count: Int)?

        init(topic: ChainSubscriptionTopic, since: UInt64?) {
            self.topic = topic
            self.since = since
        }

        /// Whether the topic's frames are per block (resumed from the cut-short height).
        var perBlock: Bool { topic == .heads || topic == .txs }

        /// Opens a socket, subscribes and yields frames until it closes.
        /// - Throws: `AITBCError` `.unreachable` when the socket fails or closes, `.rejected`
        ///   for the node's `error` answer, `.invalidResponse` for a message that does not decode.
        mutating func run(url: String, filter: ChainSubscriptionFilter, timeout: Duration, yield: (ChainSubscriptionFrame) -> Void) async throws(AITBCError) {
            let connection: WebSocketConnection
            do {
                connection = try await WebSocketClient.connect(url: url, deflate: PerMessageDeflateConfiguration())
            } catch {
                throw AITBCError.unreachable(error)
            }
            defer { Task { await connection.close() } }
            var resumeFrom = since
            if perBlock, let last {
                // The height seen last may have been cut short: ask for it again and drop what was yielded.
                resumeFrom = last.height > 0 ? last.height - 1 : 0
                skip = last
            }
            let request = ChainSubscribeRequest(id: "1", topic: topic, filter: filter, since: resumeFrom)
            do {
                try connection.send(text: request.text)
            } catch {
                throw AITBCError(kind: .unreachable, code: "UNREACHABLE", message: "websocket: \(error)")
            }
            while true {
                let received: WebSocketMessage?
                do {
                    received = try await connection.receive()
                } catch {
                    throw AITBCError(kind: .unreachable, code: "UNREACHABLE", message: "websocket: \(error)")
                }
                guard let message = received else { break }
                guard case .text(let text) = message else { continue }
                let decoded: ChainSocketMessage
                do {
                    decoded = try ChainSocketMessage(bytes: Array(text.utf8))
                } catch {
                    throw AITBCError(kind: .invalidResponse, code: "INVALID_RESPONSE", message: "websocket: \(error)")
                }
                switch decoded {
                case .subscribed(let subscribed):
                    if since == nil { since = subscribed.head }
                case .unsubscribed:
                    continue
                case .error(let refusal):
                    var error = AITBCError(
                        kind: .rejected, code: UntrustedText.display(refusal.code), message: UntrustedText.display(refusal.message))
                    error.serverCode = error.code
                    throw error
                case .frame(let frame):
                    if accept(frame) { yield(frame) }
                }
            }
            let reason = connection.closeStatus.map { "closed \($0.code.rawValue) \(UntrustedText.display($0.reason))" } ?? "closed"
            throw AITBCError(kind: .unreachable, code: "UNREACHABLE", message: "websocket \(reason)")
        }

        /// Counts `frame` and says whether to yield it (false: a repeat of a resumed height).
        mutating func accept(_ frame: ChainSubscriptionFrame) -> Bool {
            guard perBlock, frame.data["status"]?.stringValue != TxStatus.pending.rawValue else {
                since = max(since ?? 0, frame.height)
                return true
            }
            if let pending = skip {
                if frame.height == pending.height, pending.count > 0 {
                    skip = (pending.height, pending.count - 1)
                    return false
                }
                skip = nil
            }
            if let last, last.height == frame.height {
                self.last = (last.height, last.count + 1)
            } else {
                last = (frame.height, 1)
            }
            return true
        }
    }
}
