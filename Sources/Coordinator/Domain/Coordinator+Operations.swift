import JSON
public import WireModels

/// The one way into the coordinator for its transports: the HTTP routes and WebSocket
/// channels call these, never the store. Each takes the decoded WireModels request and the
/// authenticated principal's id, and answers the domain record the edge renders.
extension Coordinator {
    // MARK: client

    /// Submits a job for `clientID` (POST /v1/jobs).
    /// - Throws: as `CoordinatorStore.submit`.
    public func submit(clientID: String, _ request: SubmitJobRequest, idempotencyKey: String?) async throws(CoordinatorError)
        -> SubmitOutcome
    {
        try await store.submit(clientID: clientID, JobSubmission(request, idempotencyKey: idempotencyKey))
    }

    /// A job of `clientID` (GET /v1/jobs/{job_id}); a QUEUED job past its TTL expires first.
    /// - Throws: `CoordinatorError.jobNotFound`.
    public func job(_ jobID: JobID, clientID: String) async throws(CoordinatorError) -> JobRecord {
        try await store.job(id: jobID.rawValue, clientID: clientID)
    }

    /// The serialized `JobResultResponse` of a terminal job (GET /v1/jobs/{job_id}/result).
    /// - Throws: `CoordinatorError.jobNotFound`, `.jobNotReady`.
    public func resultBody(_ jobID: JobID, clientID: String) async throws(CoordinatorError) -> [UInt8] {
        try await store.resultBody(jobID: jobID.rawValue, clientID: clientID)
    }

    /// Cancels a QUEUED or RUNNING job (POST /v1/jobs/{job_id}/cancel).
    /// - Throws: `CoordinatorError.jobNotFound`, `.jobNotCancelable`.
    public func cancel(_ jobID: JobID, clientID: String) async throws(CoordinatorError) -> JobRecord {
        try await store.cancel(jobID: jobID.rawValue, clientID: clientID)
    }

    /// The latest signed receipt as stored (GET /v1/jobs/{job_id}/receipt).
    /// - Throws: `CoordinatorError.jobNotFound`, `.receiptNotAvailable`.
    public func latestReceiptBody(_ jobID: JobID, clientID: String) async throws(CoordinatorError) -> [UInt8] {
        try await store.latestReceiptBody(jobID: jobID.rawValue, clientID: clientID)
    }

    /// One page of a job's receipts, oldest first (GET /v1/jobs/{job_id}/receipts).
    /// - Throws: `CoordinatorError.jobNotFound`, `.invalidPayload` (limit, cursor).
    public func receipts(_ jobID: JobID, clientID: String, limit: Int, cursor: String?) async throws(CoordinatorError) -> ReceiptPage {
        let page = try await store.receiptHistory(jobID: jobID.rawValue, clientID: clientID, limit: limit, cursor: cursor)
        var items: [ReceiptDocument] = []
        for receipt in page.items {
            do {
                items.append(try ReceiptDocument(json: receipt))
            } catch {
                throw .storage("stored receipt is not an object")
            }
        }
        return ReceiptPage(items: items, nextCursor: page.nextCursor)
    }

    /// Whether `jobID` names a job of `clientID` (the client channel's `?job_id=`).
    /// - Throws: `CoordinatorError.jobNotFound`.
    public func checkOwnership(of jobID: String, clientID: String) async throws(CoordinatorError) {
        guard let id = JobID(jobID) else { throw .jobNotFound }
        _ = try await job(id, clientID: clientID)
    }

    // MARK: miner

    /// `registerMiner` for a decoded register body.
    /// - Throws: as `CoordinatorStore.registerMiner`.
    public func registerMiner(minerID: String, _ request: RegisterMinerRequest) async throws(CoordinatorError) -> String {
        try await registerMiner(minerID: minerID, MinerRegistration(request))
    }

    /// `heartbeat` for a decoded heartbeat body or message.
    /// - Returns: the answer: `{"status":"ok"}`, with `stop_jobs` when held jobs must stop.
    /// - Throws: as `CoordinatorStore.heartbeat`.
    @discardableResult
    public func heartbeat(minerID: String, _ request: HeartbeatRequest) async throws(CoordinatorError) -> HeartbeatResponse {
        HeartbeatResponse(stopJobs: try await heartbeat(minerID: minerID, MinerHeartbeat(request)).stopJobs)
    }

    /// Stops assigning work to the miner; its running jobs finish (POST /v1/miners/drain).
    /// - Throws: `CoordinatorError.minerNotRegistered`.
    public func drain(minerID: String) async throws(CoordinatorError) {
        try await store.drain(minerID: minerID)
    }

    /// Acknowledges that the assigned miner started a job (POST /v1/miners/{job_id}/start).
    /// - Throws: `CoordinatorError.jobNotFound`, `.forbidden`, `.conflictState`.
    public func acknowledgeStart(_ jobID: JobID, minerID: String) async throws(CoordinatorError) {
        try await store.acknowledgeStart(jobID: jobID.rawValue, minerID: minerID)
    }

    /// Accepts the assigned miner's result (POST /v1/miners/{job_id}/result): the job is
    /// COMPLETED and, with signing on, a receipt is issued.
    /// - Throws: as `JobCompletion.complete`.
    public func complete(_ jobID: JobID, minerID: String, _ report: JobResultReport) async throws(CoordinatorError) -> CompletionOutcome {
        try await completions.complete(
            jobID: jobID.rawValue, minerID: minerID, result: report.result, metrics: report.metricsOrEmpty, claim: report.claim)
    }

    /// Records the assigned miner's failure report (POST /v1/miners/{job_id}/fail).
    /// - Throws: as `CoordinatorStore.fail`.
    public func fail(_ jobID: JobID, minerID: String, _ report: JobFailureReport) async throws(CoordinatorError) {
        try await store.fail(
            jobID: jobID.rawValue, minerID: minerID, errorCode: report.errorCode, errorMessage: report.errorMessage,
            metrics: report.metricsOrEmpty)
    }

    /// A registered miner, or nil.
    /// - Throws: `CoordinatorError.storage`.
    public func miner(id: String) async throws(CoordinatorError) -> MinerSummary? {
        try await store.miner(id: id)
    }

    // MARK: admin

    /// The admin statistics; refreshes the gauges they feed (GET /v1/admin/stats).
    /// - Throws: `CoordinatorError.storage`.
    public func stats() async throws(CoordinatorError) -> AdminStatsResponse {
        let stats = try await store.stats()
        metrics.update(from: stats)
        return stats.response
    }

    /// One page of jobs, newest first (GET /v1/admin/jobs).
    /// - Throws: `CoordinatorError.invalidPayload` (limit, cursor), `.storage`.
    public func jobs(state: JobState?, limit: Int, cursor: String?) async throws(CoordinatorError) -> ListPage<AdminJobItem> {
        let page = try await store.listJobs(state: state, limit: limit, cursor: cursor)
        var items: [AdminJobItem] = []
        for job in page.items { items.append(try job.item()) }
        return ListPage(items: items, nextCursor: page.nextCursor)
    }

    /// One page of miners (GET /v1/admin/miners).
    /// - Throws: `CoordinatorError.invalidPayload` (limit, cursor), `.storage`.
    public func miners(status: MinerStatus?, limit: Int, cursor: String?) async throws(CoordinatorError) -> ListPage<AdminMinerItem> {
        let page = try await store.listMiners(status: status, limit: limit, cursor: cursor)
        var items: [AdminMinerItem] = []
        for miner in page.items { items.append(try miner.item()) }
        return ListPage(items: items, nextCursor: page.nextCursor)
    }

    /// Replaces a miner's pinned key, recorded with the admin as actor
    /// (POST /v1/admin/miners/{miner_id}/rotate-key).
    /// - Throws: `CoordinatorError.invalidPayload` (not 64 hex), `.minerNotRegistered`.
    public func rotateKey(of minerID: MinerID, _ request: RotateMinerKeyRequest, adminID: String) async throws(CoordinatorError)
        -> MinerKeyRotation
    {
        try await store.rotateMinerKey(minerID: minerID.rawValue, publicKey: request.publicKey, actor: adminID)
    }

    // MARK: explorer

    /// Public receipt summaries, newest first (GET /v1/explorer/receipts).
    /// - Throws: `CoordinatorError.invalidPayload` (limit, offset, job_id), `.storage`.
    public func explorerReceipts(jobID: String?, limit: Int, offset: Int) async throws(CoordinatorError) -> ExplorerReceiptsResponse {
        if let jobID, jobID.utf8.count > 64 { throw .invalidPayload("job_id: must be at most 64 characters") }
        let receipts = try await store.explorerReceipts(jobID: jobID, limit: limit, offset: offset)
        var items: [ExplorerReceipt] = []
        for receipt in receipts { items.append(try receipt.explorerItem()) }
        return ExplorerReceiptsResponse(jobID: jobID, items: items, nextOffset: receipts.count == limit ? offset + limit : nil)
    }
}

extension JobSubmission {
    /// The submission a decoded body asks for.
    public init(_ request: SubmitJobRequest, idempotencyKey: String?) {
        self.init(
            payload: request.payload, constraints: request.constraints ?? JobConstraints(), ttlSeconds: request.ttlSeconds,
            idempotencyKey: idempotencyKey)
    }
}

extension MinerRegistration {
    /// The registration a decoded body asks for (concurrency 1 when absent).
    public init(_ request: RegisterMinerRequest) {
        self.init(capabilities: request.capabilities, concurrency: request.concurrency ?? 1, region: request.region, publicKey: request.publicKey)
    }
}

extension MinerHeartbeat {
    /// The heartbeat a decoded body or message reports (ONLINE, 0 inflight, `{}` when absent).
    public init(_ request: HeartbeatRequest) {
        self.init(
            status: request.status ?? .online, reportedInflight: request.inflight ?? 0, metadata: request.metadata ?? .object([]),
            heldJobs: request.jobs.map(Set.init))
    }
}
