import FoundationEssentials
import Glibc
import HTTP1
import Sockets
import Synchronization

/// An HTTP/1.1 client over non-blocking sockets on its own small epoll `EventLoopGroup`
/// (no thread per connection, no URLSession), with a keep-alive pool per `host:port`.
///
/// Plain `http://` only — there is no TLS; use it on loopback or private networks, or behind
/// a TLS-terminating proxy. Hosts are IPv4/IPv6 literals or `localhost` (no DNS).
///
/// ```swift
/// let client = HTTPClient(configuration: .init(readTimeout: .seconds(10)))
/// let response = try await client.get("http://127.0.0.1:8080/v1/health")
/// let status = try response.json()["status"]?.stringValue
/// await client.shutdown()
/// ```
public final class HTTPClient: Sendable {
    /// The configuration given at creation.
    public let configuration: HTTPClientConfiguration
    let pool: ConnectionPool
    let group: Mutex<EventLoopGroup?> = Mutex(nil)
    let isShutdown = Atomic<Bool>(false)

    /// A client; its event-loop threads start with the first request.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
        pool = ConnectionPool(maxPerHost: configuration.maxConnectionsPerHost, idleTimeout: configuration.idleTimeout)
    }

    deinit {
        pool.shutdown()
        group.withLock { $0 }?.shutdown()
    }

    /// Sends `request` and returns the complete response, retrying per `configuration.retry`.
    /// - Throws: `HTTPClientError`; with retries, the last attempt's error.
    public func execute(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let url = try HTTPClientURL(request.url)
        let bytes = try request.serialize(url: url, defaults: configuration.defaultHeaders)
        guard let policy = configuration.retry, policy.maxAttempts > 1 else {
            return try await attempt(request, url: url, bytes: bytes)
        }
        var generator = SystemRandomNumberGenerator()
        var attemptNumber = 1
        while true {
            let retryAfter: String?
            do {
                let response = try await attempt(request, url: url, bytes: bytes)
                guard attemptNumber < policy.maxAttempts, policy.retryableStatuses.contains(response.status.code),
                    request.isIdempotent || policy.retryNonIdempotent
                else { return response }
                retryAfter = response.headers["Retry-After"]
            } catch {
                guard attemptNumber < policy.maxAttempts, Self.isRetryable(error, request: request, policy: policy) else { throw error }
                retryAfter = nil
            }
            let delay = policy.delay(afterAttempt: attemptNumber, retryAfter: retryAfter, using: &generator)
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw .shutdown
            }
            attemptNumber += 1
        }
    }

    /// Connect failures sent nothing; other transport failures may have delivered the request.
    static func isRetryable(_ error: HTTPClientError, request: HTTPClientRequest, policy: HTTPClientRetryPolicy) -> Bool {
        if error.isConnectFailure { return true }
        switch error {
        case .readTimeout, .connectionClosed, .io: return request.isIdempotent || policy.retryNonIdempotent
        default: return false
        }
    }

    /// One attempt. A reused connection found stale before the request was written is replaced
    /// for any request; one that fails after the write with no response byte is replaced once
    /// for idempotent requests only.
    /// Cancelling the calling task aborts the connection (`.cancelled`): a long-poll answered
    /// after its caller gave up must never be read, nor the connection reused.
    func attempt(_ request: HTTPClientRequest, url: HTTPClientURL, bytes: [UInt8]) async throws(HTTPClientError) -> HTTPClientResponse {
        let (socket, reused) = try await checkout(url)
        // Whoever takes the socket first decides its fate: the cancel handler aborts it, or the
        // exchange hands it back to the pool. Without this a cancel that came just after the
        // release aborted a connection the pool had already given to another request.
        let claim = SocketClaim()
        let result: Result<HTTPClientResponse, ExchangeFailure> = await withTaskCancellationHandler {
            do throws(ExchangeFailure) {
                return .success(try await exchange(request, url: url, bytes: bytes, socket: socket, reused: reused, claim: claim))
            } catch {
                return .failure(error)
            }
        } onCancel: {
            if claim.take() { socket.abort(.cancelled) }
        }
        do {
            return try result.get()
        } catch let failure {
            if Task.isCancelled { throw .cancelled }
            // A stale pooled connection sent nothing: any request may go out on a fresh one.
            guard reused, failure.responseNotStarted, request.isIdempotent || failure.notSent else { throw failure.error }
            // RFC 9112 §9.3.1: a client MAY retry an idempotent request when a persistent connection
            // closed before any part of the response arrived (the server's idle close raced ours).
            let (fresh, _) = try await checkout(url, allowReuse: false)
            do {
                return try await exchange(request, url: url, bytes: bytes, socket: fresh, reused: false)
            } catch {
                throw error.error
            }
        }
    }

    /// Opens or reuses a connection to `url`.
    func checkout(_ url: HTTPClientURL, allowReuse: Bool = true) async throws(HTTPClientError) -> (ClientSocket, Bool) {
        guard !isShutdown.load(ordering: .relaxed) else { throw .shutdown }
        let loop = try nextLoop()
        let timeout = configuration.connectTimeout
        let connect = { () async throws(HTTPClientError) -> ClientSocket in
            try await Self.connect(to: url.address, on: loop, timeout: timeout)
        }
        if !allowReuse {
            // Counted against the host like any pooled connection, but skips idle ones and the cap:
            // it replaces a stale connection whose slot was just freed.
            return (try await pool.acquireFresh(key: url.key, connect: connect), false)
        }
        return try await pool.acquire(key: url.key, connect: connect)
    }

    /// A new connection outside the pool (WebSocket upgrades), on one of the client's loops.
    func connectUnpooled(_ url: HTTPClientURL) async throws(HTTPClientError) -> ClientSocket {
        guard !isShutdown.load(ordering: .relaxed) else { throw .shutdown }
        return try await Self.connect(to: url.address, on: try nextLoop(), timeout: configuration.connectTimeout)
    }

    /// A new connection, or `.connectTimeout` / `.connectionRefused` / `.connectFailed`.
    static func connect(to address: SocketAddress, on loop: EventLoop, timeout: Duration) async throws(HTTPClientError) -> ClientSocket {
        let socket = ClientSocket(loop: loop, address: address)
        let deadline = Deadline(after: timeout, socket: socket, error: .connectTimeout)
        let result = await socket.connect()
        if deadline.disarm() {
            socket.close()
            throw .connectTimeout
        }
        try result.get()
        return socket
    }

    struct ExchangeFailure: Error {
        let error: HTTPClientError
        /// No response byte arrived (a stale keep-alive connection looks like this).
        let responseNotStarted: Bool
        /// Not a byte of the request was sent (the pooled connection was found stale first).
        var notSent = false
    }

    /// Writes the request and reads the whole response; pools or closes the connection.
    func exchange(
        _ request: HTTPClientRequest, url: HTTPClientURL, bytes: [UInt8], socket: ClientSocket, reused: Bool,
        claim: SocketClaim = SocketClaim()
    ) async throws(ExchangeFailure) -> HTTPClientResponse {
        let deadline = Deadline(after: configuration.readTimeout, socket: socket, error: .readTimeout)
        var parser = HTTPResponseParser(limits: configuration.parserLimits)
        parser.expectResponse(to: request.method)
        var received = false
        func fail(_ error: HTTPClientError) -> ExchangeFailure {
            let timedOut = deadline.disarm()
            pool.discard(socket, key: url.key)
            return ExchangeFailure(error: timedOut ? .readTimeout : error, responseNotStarted: !received && !timedOut)
        }
        // The request goes out and the first read is armed in one hop to the loop thread.
        guard let started = await socket.writeThenRead(bytes, requireIdle: reused) else {
            var failure = fail(.connectionClosed)
            failure.notSent = true
            throw failure
        }
        var firstRead: Result<[UInt8]?, HTTPClientError>? = started
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        while true {
            let event: HTTPResponseParserEvent?
            do {
                event = try parser.next()
            } catch {
                if case .bodyTooLarge(let limit) = error { throw fail(.responseTooLarge(limit: limit)) }
                throw fail(.invalidResponse(error))
            }
            switch event {
            case .head(let next):
                head = next
                body = []
                if next.status == .switchingProtocols {
                    // Not an upgrade we asked for through this API: return the head, drop the connection.
                    _ = fail(.connectionClosed)
                    return HTTPClientResponse(version: next.version, status: next.status, headers: next.headers)
                }
            case .body(let part):
                body.append(contentsOf: part)
            case .end(let trailers):
                guard let final = head, final.status.code >= 200 else { continue }
                let timedOut = deadline.disarm()
                let requestClose = request.headers.containsToken("close", in: "Connection")
                // A cancelled caller's socket was (or is being) aborted: never pooled.
                if !timedOut, final.keepAlive, !requestClose, parser.isIdle, claim.take() {
                    pool.release(socket, key: url.key)
                } else {
                    pool.discard(socket, key: url.key)
                }
                return HTTPClientResponse(version: final.version, status: final.status, headers: final.headers, body: body, trailers: trailers)
            case nil:
                let read: Result<[UInt8]?, HTTPClientError>
                if let first = firstRead {
                    read = first
                    firstRead = nil
                } else {
                    read = await socket.read()
                }
                switch read {
                case .success(let bytes?):
                    received = true
                    parser.feed(bytes)
                case .success(nil):
                    parser.finish()
                    // `next()` now ends a close-delimited body or reports the truncation.
                    if !received { throw fail(.connectionClosed) }
                case .failure(let error):
                    throw fail(error)
                }
            }
        }
    }

    func nextLoop() throws(HTTPClientError) -> EventLoop {
        let result = group.withLock { group -> Result<EventLoopGroup, SocketError> in
            if let group { return .success(group) }
            do throws(SocketError) {
                let created = try EventLoopGroup(threads: configuration.eventLoopThreads, name: "http-client")
                group = created
                let pool = pool
                for loop in created.loops {
                    loop.execute { [weak pool] in loop.addTickHandler { pool?.sweep() } }
                }
                return .success(created)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let group): return group.next()
        case .failure(let error): throw .io(error)
        }
    }

    /// Closes idle connections and stops the event loops; later calls throw `.shutdown`.
    /// In-flight requests fail once their connections close.
    public func shutdown() async {
        guard !isShutdown.exchange(true, ordering: .relaxed) else { return }
        pool.shutdown()
        let group = group.withLock { group -> EventLoopGroup? in
            let taken = group
            group = nil
            return taken
        }
        guard let group else { return }
        // EventLoop.shutdown blocks until the threads end: keep it off the cooperative pool.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finish: @Sendable () -> Void = {
                group.shutdown()
                continuation.resume()
            }
            // On this thread only when no thread can be created.
            do { try DetachedThread.spawn(finish) } catch { finish() }
        }
    }
}

/// One attempt's socket, taken once: by the cancel handler (to abort it) or by the exchange
/// (to pool it), never both.
final class SocketClaim: Sendable {
    private let held = Atomic<Bool>(true)

    /// True for the first caller only.
    func take() -> Bool { held.exchange(false, ordering: .acquiringAndReleasing) }
}
