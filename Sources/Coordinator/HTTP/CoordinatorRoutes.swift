public import HTTPServer
import HTTP1
import HTTPClient
import JSON
import Logging
import WireModels

/// The REST endpoints of spec/coordinator.md §6 on a `Router`.
///
/// Every protected route runs `Coordinator.authenticate` (the path the WebSocket upgrade
/// shares): the key (`X-Api-Key` or `Authorization: Bearer`, 401), the caller's token bucket
/// (429 + `Retry-After`), the body signature of every POST (`X-Signature` when `HMAC_SECRET`
/// is set, 401); then body parsing (413/422) and the domain operation. Domain errors become both error styles of §4.
public struct CoordinatorRoutes: Sendable {
    /// The domain core.
    public let coordinator: Coordinator
    /// In-flight long polls (ended at shutdown).
    public let polls: PollGate
    /// The chain node behind the explorer's block reads; nil without `CHAIN_RPC_URL`.
    let chain: ChainReader?

    /// Routes over `coordinator`.
    public init(coordinator: Coordinator, polls: PollGate = PollGate()) {
        self.coordinator = coordinator
        self.polls = polls
        chain = coordinator.configuration.chainRPCURL.map { url in
            var configuration = HTTPClientConfiguration()
            configuration.connectTimeout = .seconds(2)
            configuration.readTimeout = .seconds(5)
            configuration.eventLoopThreads = 1
            return ChainReader(baseURL: url, client: HTTPClient(configuration: configuration))
        }
    }

    private var configuration: CoordinatorConfiguration { coordinator.configuration }

    /// Registers every route on `router`.
    public func install(on router: Router) {
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(Array(OpenAPIDocument.json.utf8)))
        }
        let v1 = router.group("/v1")
        let health = CoordinatorHTTP.json(HealthResponse(environment: configuration.appEnvironment))
        v1.get("/health") { _, _ in health }
        // Public, like the explorer reads: the receipt keys' public halves (issue #12).
        let keys = CoordinatorHTTP.json(configuration.publishedKeys)
        v1.get("/keys") { _, _ in keys }
        installClientRoutes(v1)
        installMinerRoutes(v1)
        installAdminRoutes(v1)
        installKeyRotation(v1)
        installExplorerRoutes(v1)
    }

    // MARK: client

    private func installClientRoutes(_ v1: RouterGroup) {
        v1.post("/jobs", handler: handle(.client) { request, context, principal in
            let body = try decode(SubmitJobRequest.self, request)
            let outcome = try await coordinator.submit(clientID: principal.id, body, idempotencyKey: request.headers["Idempotency-Key"])
            // Per-job start events are debug (STYLE.md: per-request noise); `job_event` keeps every
            // transition, and the info line per job is its end (completed/failed/canceled).
            context.logger.debug(
                "job submitted",
                metadata: ["job_id": "\(outcome.job.id)", "client_id": "\(principal.id)", "replayed": "\(outcome.replayed)"])
            return CoordinatorHTTP.json(try outcome.job.view(), status: outcome.replayed ? .ok : .created)
        })
        v1.get("/jobs/{job_id}", handler: handle(.client) { _, context, principal in
            CoordinatorHTTP.json(try await coordinator.job(try Self.jobID(context), clientID: principal.id).view())
        })
        v1.get("/jobs/{job_id}/result", handler: handle(.client) { _, context, principal in
            CoordinatorHTTP.json(bytes: try await coordinator.resultBody(try Self.jobID(context), clientID: principal.id))
        })
        v1.post("/jobs/{job_id}/cancel", handler: handle(.client) { request, context, principal in
            let job = try await coordinator.cancel(try Self.jobID(context), clientID: principal.id)
            context.logger.info("job canceled", metadata: ["job_id": "\(job.id)"])
            return CoordinatorHTTP.json(try job.view())
        })
        v1.get("/jobs/{job_id}/receipt", handler: handle(.client) { _, context, principal in
            CoordinatorHTTP.json(bytes: try await coordinator.latestReceiptBody(try Self.jobID(context), clientID: principal.id))
        })
        v1.get("/jobs/{job_id}/receipts", handler: handle(.client) { request, context, principal in
            let jobID = try Self.jobID(context)
            let limit = try Self.intQuery(request, "limit", default: 100)
            return CoordinatorHTTP.json(
                try await coordinator.receipts(jobID, clientID: principal.id, limit: limit, cursor: request.query["cursor"]))
        })
    }

    // MARK: miner

    private func installMinerRoutes(_ v1: RouterGroup) {
        v1.post("/miners/register", handler: handle(.miner) { request, context, principal in
            let registration = try decode(RegisterMinerRequest.self, request)
            let token = try await coordinator.registerMiner(minerID: principal.id, registration)
            context.logger.info("miner registered", metadata: ["miner_id": "\(principal.id)"])
            // miner_id: the principal this key maps to, which a miner's signed work claim must name.
            return CoordinatorHTTP.json(RegisterMinerResponse(sessionToken: token, minerID: MinerID(principal.id)))
        })
        v1.post("/miners/heartbeat", handler: handle(.miner) { request, _, principal in
            let answer = try await coordinator.heartbeat(minerID: principal.id, try decode(HeartbeatRequest.self, request))
            return answer.stopJobs.isEmpty ? Self.ok : CoordinatorHTTP.json(answer)
        })
        v1.post("/miners/poll", handler: handle(.miner) { [coordinator, polls] request, context, principal in
            let wait = min(
                CoordinatorRequests.pollMaxWaitSeconds(try decode(PollRequest.self, request)), coordinator.configuration.pollMaxWaitSeconds)
            let minerID = principal.id
            let connection = context.connection
            let claimed = try await polls.run { () async throws(CoordinatorError) -> ClaimedJob? in
                // A miner that hung up (drain, crash) is assigned nothing: the job would sit
                // RUNNING until its heartbeat timed out.
                try await coordinator.poll(minerID: minerID, maxWaitSeconds: wait, abandoned: { connection.peerClosed })
            }
            guard let claimed else { return Response(status: .noContent) }
            context.logger.debug("job assigned", metadata: ["job_id": "\(claimed.jobID)", "miner_id": "\(minerID)"])
            return CoordinatorHTTP.json(try claimed.assigned())
        })
        v1.post("/miners/drain", handler: handle(.miner) { request, context, principal in
            try await coordinator.drain(minerID: principal.id)
            context.logger.info("miner draining", metadata: ["miner_id": "\(principal.id)"])
            return Self.ok
        })
        v1.post("/miners/{job_id}/start", handler: handle(.miner) { request, context, principal in
            try await coordinator.acknowledgeStart(try Self.jobID(context), minerID: principal.id)
            return Self.ok
        })
        v1.post("/miners/{job_id}/result", handler: handle(.miner) { request, context, principal in
            let report = try decode(JobResultReport.self, request)
            let jobID = try Self.jobID(context)
            let outcome = try await coordinator.complete(jobID, minerID: principal.id, report)
            context.logger.info(
                "job completed",
                metadata: [
                    "job_id": "\(jobID)", "miner_id": "\(principal.id)", "replayed": "\(outcome.replayed)",
                    "receipt_id": "\(outcome.receipt?["receipt_id"]?.stringValue ?? "-")",
                ])
            return CoordinatorHTTP.json(outcome.response)
        })
        v1.post("/miners/{job_id}/fail", handler: handle(.miner) { request, context, principal in
            let report = try decode(JobFailureReport.self, request)
            let jobID = try Self.jobID(context)
            try await coordinator.fail(jobID, minerID: principal.id, report)
            context.logger.info("job failed", metadata: ["job_id": "\(jobID)", "miner_id": "\(principal.id)"])
            return Self.ok
        })
    }

    // MARK: admin

    private func installAdminRoutes(_ v1: RouterGroup) {
        v1.get("/admin/stats", handler: handle(.admin) { _, _, _ in
            CoordinatorHTTP.json(try await coordinator.stats())
        })
        v1.get("/admin/jobs", handler: handle(.admin) { request, _, _ in
            var state: JobState?
            if let raw = request.query["state"] {
                guard let parsed = JobState(rawValue: raw) else {
                    throw CoordinatorError.invalidPayload("state: must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                state = parsed
            }
            let limit = try Self.intQuery(request, "limit", default: 100)
            return CoordinatorHTTP.json(try await coordinator.jobs(state: state, limit: limit, cursor: request.query["cursor"]))
        })
        v1.get("/admin/miners", handler: handle(.admin) { request, _, _ in
            var status: MinerStatus?
            if let raw = request.query["status"] {
                guard let parsed = MinerStatus(rawValue: raw) else {
                    throw CoordinatorError.invalidPayload("status: must be one of ONLINE, DRAINING, OFFLINE")
                }
                status = parsed
            }
            let limit = try Self.intQuery(request, "limit", default: 100)
            return CoordinatorHTTP.json(try await coordinator.miners(status: status, limit: limit, cursor: request.query["cursor"]))
        })
    }

    /// `POST /v1/admin/miners/{miner_id}/rotate-key`: the only way to replace a pinned miner
    /// key (issue #10, defect 9); recorded in `miner_key_event` and logged.
    private func installKeyRotation(_ v1: RouterGroup) {
        v1.post("/admin/miners/{miner_id}/rotate-key", handler: handle(.admin) { request, context, principal in
            let body = try decode(RotateMinerKeyRequest.self, request)
            // A malformed id names no miner: the same 404 as an unknown one.
            guard let minerID = context.parameters["miner_id"].flatMap(MinerID.init) else { throw CoordinatorError.minerNotRegistered }
            let rotation = try await coordinator.rotateKey(of: minerID, body, adminID: principal.id)
            context.logger.notice(
                "miner key rotated",
                metadata: [
                    "miner_id": "\(rotation.minerID)", "admin_id": "\(principal.id)", "old_key": "\(rotation.previousKey ?? "-")",
                    "new_key": "\(rotation.newKey)",
                ])
            return CoordinatorHTTP.json(
                RotateMinerKeyResponse(minerID: minerID, publicKey: rotation.newKey, previousPublicKey: rotation.previousKey))
        })
    }

    // MARK: explorer

    private func installExplorerRoutes(_ v1: RouterGroup) {
        // Explorer reads are public (the explorer's live mode sends no key); every read is
        // bounded by its `limit` (≤ 200), and the explorer server fronts many users from one
        // address, so a per-address bucket would throttle them all together.
        let receipts = handlePublic { request, _ in
            let limit = try Self.intQuery(request, "limit", default: 50)
            let offset = try Self.intQuery(request, "offset", default: 0)
            return CoordinatorHTTP.json(try await coordinator.explorerReceipts(jobID: request.query["job_id"], limit: limit, offset: offset))
        }
        v1.get("/explorer/receipts", handler: receipts)
        v1.get("/receipts", handler: receipts)
        let blocks = handlePublic { [chain] request, _ in
            guard let chain else { throw CoordinatorHTTP.chainUnavailable("chain data unavailable: CHAIN_RPC_URL is not configured") }
            let limit = try Self.intQuery(request, "limit", default: 20)
            let offset = try Self.intQuery(request, "offset", default: 0)
            do {
                return CoordinatorHTTP.json(try await chain.blocks(limit: limit, offset: offset))
            } catch let failure as ChainReader.Failure {
                throw CoordinatorHTTP.chainUnavailable("chain data unavailable: \(failure)")
            }
        }
        v1.get("/explorer/blocks", handler: blocks)
        v1.get("/blocks", handler: blocks)
        for resource in ["transactions", "addresses"] {
            let unavailable = handlePublic { [configuration] _, _ in
                // The chain RPC (spec/chain-node.md) has no listing of transactions or addresses.
                let reason =
                    configuration.chainRPCURL == nil
                    ? "chain data unavailable: CHAIN_RPC_URL is not configured"
                    : "chain data unavailable: the chain RPC offers no \(resource) listing"
                throw CoordinatorHTTP.chainUnavailable(reason)
            }
            v1.get("/explorer/\(resource)", handler: unavailable)
            v1.get("/\(resource)", handler: unavailable)
        }
    }

    // MARK: plumbing

    /// `{"status":"ok"}`.
    static let ok = CoordinatorHTTP.json(StatusResponse.ok)

    /// The `{job_id}` route parameter as a job id.
    /// - Throws: `CoordinatorError.jobNotFound` when it is malformed (no job has such an id),
    ///   without touching the database.
    static func jobID(_ context: RequestContext) throws(CoordinatorError) -> JobID {
        guard let id = context.parameters["job_id"].flatMap(JobID.init) else { throw .jobNotFound }
        return id
    }

    /// An integer query parameter.
    /// - Throws: `CoordinatorError.invalidPayload` (422) when it is not a decimal integer.
    static func intQuery(_ request: Request, _ name: String, default defaultValue: Int) throws(CoordinatorError) -> Int {
        guard let raw = request.query[name] else { return defaultValue }
        guard raw.utf8.count <= 18, let value = Int(raw) else { throw .invalidPayload("\(name): must be an integer") }
        return value
    }

    /// The body decoded as `message` (its signature was checked by `Coordinator.authenticate`).
    /// - Throws: `CoordinatorError.payloadTooLarge`, `.invalidPayload`.
    private func decode<Message: WireMessage>(_ message: Message.Type, _ request: Request) throws(CoordinatorError) -> Message {
        try CoordinatorRequests.decode(message, from: request.body, configuration: configuration)
    }

    /// A protected handler: authenticates for `role`, then runs `body`; domain errors become HTTP errors.
    private func handle(
        _ role: Role, _ body: @escaping @Sendable (Request, RequestContext, Principal) async throws -> Response
    ) -> HTTPHandler {
        { request, context in
            do {
                let principal = try coordinator.authenticate(request, role: role, transport: .http)
                var context = context
                context.principal = principal.requestPrincipal
                return try await body(request, context, principal)
            } catch let error as CoordinatorError {
                throw Self.translate(error, context: context)
            }
        }
    }

    /// A public handler; domain errors become HTTP errors.
    private func handlePublic(_ body: @escaping @Sendable (Request, RequestContext) async throws -> Response) -> HTTPHandler {
        { request, context in
            do {
                return try await body(request, context)
            } catch let error as CoordinatorError {
                throw Self.translate(error, context: context)
            }
        }
    }

    /// The HTTP error for `error`, logging storage failures (their text never reaches clients).
    static func translate(_ error: CoordinatorError, context: RequestContext) -> HTTPError {
        if case .storage = error { context.logger.error("storage failure", metadata: ["error": "\(error)"]) }
        return CoordinatorHTTP.httpError(error)
    }
}
