import Cryptography
import Foundation
import JSON
import Synchronization
import WebSocket

/// Which side dialled.
enum PeerDirection: String, Sendable {
    case inbound, outbound
}

/// Why a range request got no blocks.
enum PeerRequestError: Error, Sendable {
    case timeout
    case closed
    case refused(String)
}

/// An authenticated peer: its identity, its connection (whose bounded send queue is the
/// per-peer gossip queue), the head it last announced and its outstanding range requests.
final class Peer: Sendable {
    /// What sending to a peer did.
    enum SendResult {
        case sent
        /// The queue overflowed: the connection is being closed as slow.
        case slow
        case closed
    }

    private struct State {
        var head: PeerHead
        var score = 0
        /// Requests in a row that timed out.
        var timeouts = 0
        var lastSeenMilliseconds: UInt64
        var nextRequest: UInt64 = 1
        var requests: [UInt64: CheckedContinuation<[JSONValue], any Error>] = [:]
        var closed = false
        /// When the last frame arrived or finished being handled (monotonic: test clocks stand still).
        var lastFrameAt: ContinuousClock.Instant = .now
        /// A frame is being handled (an import may wait on the import lock): not idle meanwhile.
        var handling = false
    }

    /// Serial of this connection in this process (task-local origins name it).
    let serial: UInt64
    /// 32 bytes.
    let nodeKey: [UInt8]
    /// Lowercase hex of `nodeKey`.
    let keyHex: String
    let direction: PeerDirection
    /// The dialled URL (outbound) or the remote socket address (inbound).
    let remoteAddress: String
    /// Where the peer says it listens.
    let listen: String?
    let connection: WebSocketConnection
    let connectedAt: ContinuousClock.Instant
    private let state: Mutex<State>

    init(
        serial: UInt64, nodeKey: [UInt8], direction: PeerDirection, remoteAddress: String, listen: String?, head: PeerHead,
        connection: WebSocketConnection, nowMilliseconds: UInt64
    ) {
        self.serial = serial
        self.nodeKey = nodeKey
        keyHex = Hex.encode(nodeKey)
        self.direction = direction
        self.remoteAddress = remoteAddress
        self.listen = listen
        dialAddress = direction == .outbound ? remoteAddress : PeerAddress.inbound(remote: remoteAddress, listen: listen)
        self.connection = connection
        connectedAt = .now
        state = Mutex(State(head: head, lastSeenMilliseconds: nowMilliseconds))
    }

    /// The address to dial this peer at again, when known: the dialled URL, or for an inbound
    /// peer the host it connected from with the port it says it listens on (a node bound to
    /// 0.0.0.0 cannot know which of its addresses others reach it at).
    let dialAddress: String?

    var head: PeerHead { state.withLock { $0.head } }
    var score: Int { state.withLock { $0.score } }
    var lastSeenMilliseconds: UInt64 { state.withLock { $0.lastSeenMilliseconds } }

    func update(head: PeerHead) {
        state.withLock { state in
            // A peer's head only goes back on a reorg, which status reports as it is.
            state.head = head
        }
    }

    /// Raises the announced head to at least `height` (a gossiped block proves the peer has it).
    func saw(height: UInt64, hash: [UInt8]) {
        state.withLock { state in if height > state.head.height { state.head = PeerHead(height: height, hash: hash) } }
    }

    func touch(_ nowMilliseconds: UInt64) { state.withLock { $0.lastSeenMilliseconds = nowMilliseconds } }

    /// A frame arrived; it is being handled until `frameHandled()`.
    func frameArrived() {
        state.withLock { state in
            state.lastFrameAt = .now
            state.handling = true
        }
    }

    /// The frame from `frameArrived()` was handled: the idle clock restarts now.
    func frameHandled() {
        state.withLock { state in
            state.lastFrameAt = .now
            state.handling = false
        }
    }

    /// Whether nothing arrived for `timeout` while no frame was being handled. WebSocket pings
    /// and pongs do not count: a client's transport answers them without the peer being alive.
    func isIdle(timeout: Duration) -> Bool {
        state.withLock { state in !state.closed && !state.handling && ContinuousClock.now - state.lastFrameAt >= timeout }
    }

    func adjustScore(_ delta: Int) { state.withLock { $0.score += delta } }

    /// Counts a timed-out request; returns how many in a row.
    func timedOut() -> Int {
        state.withLock { state in
            state.timeouts += 1
            state.score -= 10
            return state.timeouts
        }
    }

    /// A request answered: the run of timeouts ends.
    func answered() { state.withLock { $0.timeouts = 0 } }

    /// Whether the peer is leaving (banned, closed): no more requests go to it.
    var isClosed: Bool { state.withLock { $0.closed } || connection.isClosed }

    /// Queues a frame; never waits for the peer.
    func send(text: String) -> SendResult {
        do throws(WebSocketError) {
            try connection.send(text: text)
            return .sent
        } catch {
            if case .sendQueueOverflow = error { return .slow }
            return .closed
        }
    }

    /// Frames waiting in this peer's queue.
    var queued: Int { connection.queuedFrameCount }

    /// Sends `get_blocks` and waits for the matching `blocks`, up to `timeout`.
    /// - Throws: `PeerRequestError`.
    func requestBlocks(start: UInt64, count: Int, timeout: Duration) async throws -> [JSONValue] {
        let id = state.withLock { state -> UInt64? in
            guard !state.closed else { return nil }
            defer { state.nextRequest += 1 }
            return state.nextRequest
        }
        guard let id else { throw PeerRequestError.closed }
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.finish(request: id, with: .failure(PeerRequestError.timeout))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let registered = state.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.requests[id] = continuation
                return true
            }
            guard registered else {
                continuation.resume(throwing: PeerRequestError.closed)
                return
            }
            switch send(text: P2PMessage.getBlocks(requestID: id, start: start, count: count).text) {
            case .sent: break
            case .slow, .closed: finish(request: id, with: .failure(PeerRequestError.closed))
            }
        }
    }

    /// Completes request `id` (an answer, a timeout or the connection's end); false when no such request waits.
    @discardableResult
    func finish(request id: UInt64, with result: Result<[JSONValue], any Error>) -> Bool {
        guard let continuation = state.withLock({ $0.requests.removeValue(forKey: id) }) else { return false }
        continuation.resume(with: result)
        return true
    }

    /// Fails every outstanding request; later requests fail at once.
    func markClosed() {
        let waiting = state.withLock { state in
            state.closed = true
            defer { state.requests = [:] }
            return Array(state.requests.values)
        }
        for continuation in waiting { continuation.resume(throwing: PeerRequestError.closed) }
    }
}
