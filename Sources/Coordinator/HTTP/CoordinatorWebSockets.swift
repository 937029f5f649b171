public import HTTPServer
import HTTP1
import JSON
import Logging
import Synchronization
import WebSocket
import WireModels

/// The WebSocket channels of spec/coordinator.md §13, beside HTTP (which stays the source of
/// truth and the fallback):
///
/// * `GET /v1/ws/miner` (miner key): the server pushes `job.assigned` (the poll body) while the
///   miner has free concurrency; the miner sends `heartbeat`, `result` and `fail` (the HTTP
///   bodies plus `job_id`), each answered by `ack` or `error` carrying the HTTP status and body
///   it would have had. Each message takes a token of the miner's bucket (shared with its HTTP
///   requests); a refused one is answered by a 429 `error` with `retry_after`, and more than
///   `floodCloseThreshold` refusals in a row close the socket with 1008.
/// * `GET /v1/ws/client[?job_id=]` (client key): `state.changed` on every transition of the
///   client's jobs (or that one job) and `result.ready` when a receipt is stored. A subscriber
///   that falls behind its bounded queue is closed with 1013 and re-reads state over HTTP.
///
/// Authentication happens before the upgrade (`CoordinatorWebSocketAuth`, through
/// `Coordinator.authenticate`, the HTTP routes' path), so a bad key is an ordinary 401, an
/// unknown job or miner an ordinary 404, and the miner channel with `HMAC_SECRET` set a 403
/// `SIGNATURE_REQUIRED` (its messages could not be signed).
public final class CoordinatorWebSockets: Sendable {
    /// The miner channel path.
    public static let minerPath = "/v1/ws/miner"
    /// The client channel path.
    public static let clientPath = "/v1/ws/client"
    /// Events buffered per client subscriber before it is cut off (1013).
    static let clientBufferSize = 256
    /// Rate-limited messages answered with a 429 `error` frame in a row before the miner channel
    /// is closed with 1008: a client that ignores `retry_after` only costs the server answers.
    static let floodCloseThreshold = 10
    /// Ping interval; a missing pong by the next tick closes the socket (1011).
    static let keepaliveInterval = Duration.seconds(20)

    let coordinator: Coordinator
    /// Open sockets, closed with 1001 at shutdown so the drain does not wait for them.
    private let open = Mutex<(closed: Bool, sockets: [ObjectIdentifier: WebSocketConnection])>((false, [:]))

    /// Channels over `coordinator`.
    public init(coordinator: Coordinator) { self.coordinator = coordinator }

    /// Number of open channel sockets.
    public var openCount: Int { open.withLock { $0.sockets.count } }

    /// Closes every open socket with 1001 (going away) and refuses new ones.
    public func closeAll() async {
        let sockets = open.withLock { state in
            state.closed = true
            return Array(state.sockets.values)
        }
        // Concurrently: each close waits (bounded by closeTimeout) for its peer's close frame.
        await withTaskGroup(of: Void.self) { group in
            for socket in sockets {
                group.addTask { await socket.close(code: .goingAway, reason: "coordinator shutting down") }
            }
        }
    }

    /// Tracks `connection` while `body` runs; false (and a 1001 close) once shutdown began.
    private func tracking(_ connection: WebSocketConnection, _ body: () async -> Void) async {
        let id = ObjectIdentifier(connection)
        let admitted = open.withLock { state in
            guard !state.closed else { return false }
            state.sockets[id] = connection
            return true
        }
        guard admitted else {
            await connection.close(code: .goingAway, reason: "coordinator shutting down")
            return
        }
        await body()
        _ = open.withLock { $0.sockets.removeValue(forKey: id) }
    }

    /// Largest message the client channel reads (it acts on none).
    static let clientMaxMessageBytes = 4_096

    /// The permessage-deflate the channels accept when a client offers it (`WS_DEFLATE`), or nil.
    /// Bounded per connection: the configured window (`WS_DEFLATE_WINDOW_BITS`), memLevel 5, so
    /// a compressor holds about 2^(bits+2) + 16 KiB. Context is kept between messages: the
    /// channels' messages are small and repeat their keys, which is what the window finds. What a
    /// client sends is bounded after decompression by the channel's `maxMessageSize` (1009 past it).
    static func deflate(_ configuration: CoordinatorConfiguration) -> PerMessageDeflateConfiguration? {
        guard configuration.webSocketDeflate else { return nil }
        return PerMessageDeflateConfiguration(serverMaxWindowBits: configuration.webSocketDeflateWindowBits, memoryLevel: 5)
    }

    /// Registers both channels and their authentication middleware on `router`.
    public func install(on router: Router) {
        router.add(middleware: CoordinatorWebSocketAuth(coordinator: coordinator))
        var configuration = WebSocketConfiguration()
        configuration.maxMessageSize = coordinator.configuration.maxBodyBytes
        configuration.maxFrameSize = coordinator.configuration.maxBodyBytes
        let deflate = Self.deflate(coordinator.configuration)
        router.webSocket(Self.minerPath, configuration: configuration, deflate: deflate) { [self] request, context, connection in
            await tracking(connection) {
                await Self.runMiner(coordinator: coordinator, minerID: context.principal?.id ?? "", context: context, connection: connection)
            }
        }
        // Clients send nothing the channel acts on: a message past 4 KiB is closed with 1009
        // before it is read, so the channel cannot be used to make the server read megabytes.
        var clientConfiguration = configuration
        clientConfiguration.maxMessageSize = Self.clientMaxMessageBytes
        clientConfiguration.maxFrameSize = Self.clientMaxMessageBytes
        router.webSocket(Self.clientPath, configuration: clientConfiguration, deflate: deflate) { [self] request, context, connection in
            await tracking(connection) {
                await Self.runClient(
                    coordinator: coordinator, clientID: context.principal?.id ?? "", jobID: request.query["job_id"], connection: connection)
            }
        }
    }

    // MARK: client channel

    static func runClient(coordinator: Coordinator, clientID: String, jobID: String?, connection: WebSocketConnection) async {
        let subscription = coordinator.events.subscribe(clientID: clientID, jobID: jobID, bufferSize: clientBufferSize)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await change in subscription.events {
                    do {
                        if let changed = change.stateChanged { try connection.send(text: changed.text) }
                        if let ready = change.resultReady { try connection.send(text: ready.text) }
                    } catch {
                        break
                    }
                }
                if subscription.overflowed {
                    await connection.close(code: .tryAgainLater, reason: "subscriber fell behind; re-read state over HTTP")
                }
            }
            group.addTask { await connection.keepalive(every: keepaliveInterval) }
            // Clients send nothing the channel needs; reading keeps pongs and the close handshake flowing.
            while let _ = try? await connection.receive() {}
            subscription.cancel()
            group.cancelAll()
        }
    }

    // MARK: miner channel

    static func runMiner(coordinator: Coordinator, minerID: String, context: RequestContext, connection: WebSocketConnection) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await job in coordinator.assignments(minerID: minerID) {
                        try connection.send(text: JobAssignedMessage(job: try job.assigned()).text)
                        context.logger.debug("job assigned", metadata: ["job_id": "\(job.jobID)", "miner_id": "\(minerID)", "via": "websocket"])
                    }
                } catch {
                    await connection.close(code: .internalServerError, reason: "assignment stream ended")
                }
            }
            group.addTask { await connection.keepalive(every: keepaliveInterval) }
            let principal = Principal(role: .miner, id: minerID)
            var refusedInARow = 0
            while let message = try? await connection.receive() {
                // Every message takes a token of the bucket this miner's HTTP requests use: a
                // heartbeat or result here is the same write transaction as over HTTP.
                do throws(CoordinatorError) {
                    try coordinator.admit(principal, transport: .webSocket)
                    refusedInARow = 0
                } catch {
                    refusedInARow += 1
                    if refusedInARow > floodCloseThreshold {
                        await connection.close(code: .policyViolation, reason: "rate limit exceeded; slow down or use HTTP")
                        break
                    }
                    var retryAfter: Int?
                    if case .rateLimited(let seconds) = error { retryAfter = seconds }
                    let answer = MinerChannelReply(
                        type: "error", answering: nil, status: error.httpStatus, body: error.body, retryAfter: retryAfter)
                    do { try connection.send(text: answer.text) } catch { break }
                    continue
                }
                guard case .text(let body) = message else {
                    let refusal = CoordinatorError.invalidPayload("messages must be JSON text")
                    try? connection.send(text: MinerChannelReply(type: "error", answering: nil, status: 422, body: refusal.body).text)
                    continue
                }
                let answer = await handleMinerMessage(body, coordinator: coordinator, minerID: minerID, context: context)
                do { try connection.send(text: answer.text) } catch { break }
            }
            group.cancelAll()
        }
    }

    /// Runs one miner message and builds its `ack` / `error` answer.
    static func handleMinerMessage(
        _ body: String, coordinator: Coordinator, minerID: String, context: RequestContext
    ) async -> MinerChannelReply {
        let parsed: JSONValue
        do {
            parsed = try CoordinatorRequests.parseBody(Array(body.utf8), configuration: coordinator.configuration)
        } catch {
            return MinerChannelReply(type: "error", answering: nil, status: error.httpStatus, body: error.body)
        }
        do throws(CoordinatorError) {
            let message = try CoordinatorRequests.decode(MinerChannelRequest.self, from: parsed)
            let answer: any WireMessage
            switch message.operation {
            case .heartbeat(let heartbeat):
                answer = try await coordinator.heartbeat(minerID: minerID, heartbeat)
            case .result(let report):
                // A malformed id names no job: the same 404 as an unknown one.
                guard let jobID = message.jobID else { throw .jobNotFound }
                answer = try await coordinator.complete(jobID, minerID: minerID, report).response
                context.logger.info("job completed", metadata: ["job_id": "\(jobID)", "miner_id": "\(minerID)", "via": "websocket"])
            case .fail(let report):
                guard let jobID = message.jobID else { throw .jobNotFound }
                try await coordinator.fail(jobID, minerID: minerID, report)
                answer = StatusResponse.ok
                context.logger.info("job failed", metadata: ["job_id": "\(jobID)", "miner_id": "\(minerID)", "via": "websocket"])
            }
            return MinerChannelReply(type: "ack", answering: parsed, status: 200, body: answer.json)
        } catch {
            return MinerChannelReply(type: "error", answering: parsed, status: error.httpStatus, body: error.body)
        }
    }
}

/// Authenticates the WebSocket upgrade requests before the handshake: the role's key from
/// `X-Api-Key`, `Authorization: Bearer` or — for browsers, which cannot set headers on a
/// WebSocket — the `api_key` query parameter (never logged: access logs omit query strings).
/// Sets `context.principal` to the principal; refuses with 401/429 (403 for the miner
/// channel while `HMAC_SECRET` is set), and with 404 for an unregistered miner or a `job_id`
/// the client does not own.
struct CoordinatorWebSocketAuth: Middleware {
    let coordinator: Coordinator

    func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        let role: Role
        switch context.route {
        case CoordinatorWebSockets.minerPath: role = .miner
        case CoordinatorWebSockets.clientPath: role = .client
        default: return try await next(request, context)
        }
        do {
            let principal = try coordinator.authenticate(request, role: role, transport: .webSocket)
            switch role {
            case .miner:
                guard try await coordinator.miner(id: principal.id) != nil else { throw CoordinatorError.minerNotRegistered }
            case .client:
                if let jobID = request.query["job_id"] { try await coordinator.checkOwnership(of: jobID, clientID: principal.id) }
            case .admin:
                break
            }
            var context = context
            context.principal = principal.requestPrincipal
            return try await next(request, context)
        } catch let error as CoordinatorError {
            throw CoordinatorRoutes.translate(error, context: context)
        }
    }
}
