import HTTP1
public import JSON
public import WireModels

/// The coordinator's miner API (spec/coordinator.md §6 "Miner"): register, heartbeat,
/// long-poll for work, report results and failures, drain.
///
/// A miner usually sets `sendsBearer` and its `X-Miner-ID` in `extraHeaders`; the miner
/// daemon runs its own retry loop and sets `maxRetries` to 0.
public struct MinerClient: CoordinatorAPI {
    /// The connection requests go through.
    public let transport: CoordinatorTransport

    /// A client over `transport`.
    public init(transport: CoordinatorTransport) { self.transport = transport }

    /// A client with a transport of its own.
    public init(configuration: AITBCConfiguration) { self.init(transport: CoordinatorTransport(configuration: configuration)) }

    /// `POST /v1/miners/register`: registers (or re-registers) the calling miner.
    /// - Parameter publicKey: the miner's Ed25519 public key (64 hex); the first one registered is pinned.
    /// - Throws: `AITBCError`; 409 `MINER_KEY_PINNED` for another key than the pinned one.
    public func register(
        capabilities: JSONValue, concurrency: Int? = nil, region: String? = nil, publicKey: String? = nil
    ) async throws(AITBCError) -> RegisterMinerResponse {
        let body = RegisterMinerRequest(capabilities: capabilities, concurrency: concurrency, region: region, publicKey: publicKey)
        return try decode(RegisterMinerResponse.self, try await post("/miners/register", body.bytes))
    }

    /// `POST /v1/miners/heartbeat`.
    /// - Parameter jobs: every job the miner still holds, so the coordinator requeues assignments
    ///   it never received and names, in `stopJobs`, those the miner must stop; nil leaves the member out.
    /// - Returns: the answer (decoded leniently); `stopJobs` is empty from coordinators that predate it.
    /// - Throws: `AITBCError`; 404 when the miner is not registered.
    @discardableResult
    public func heartbeat(
        inflight: Int, status: MinerStatus = .online, metadata: JSONValue = .object([]), jobs: [JobID]? = nil
    ) async throws(AITBCError) -> HeartbeatResponse {
        let body = HeartbeatRequest(status: status, inflight: inflight, metadata: metadata, jobs: jobs?.map(\.rawValue))
        let response = try await post("/miners/heartbeat", body.bytes)
        // An empty 2xx body asks nothing of the miner (the SDK never required a body here).
        if response.body.isEmpty { return HeartbeatResponse() }
        return try decode(HeartbeatResponse.self, response)
    }

    /// `POST /v1/miners/poll`: a job, or nil when none came within `maxWaitSeconds` (204).
    /// The request may take `maxWaitSeconds` + 5 s on top of the configured timeout.
    /// - Throws: `AITBCError`; `.invalidResponse` for a job whose id breaks `JobID`'s rule.
    public func poll(maxWaitSeconds: Int) async throws(AITBCError) -> AssignedJob? {
        let body = PollRequest(maxWaitSeconds: maxWaitSeconds)
        let response = try await transport.send(
            CoordinatorRequest(method: .post, path: "/miners/poll", body: body.bytes, extraTime: .seconds(max(0, maxWaitSeconds) + 5)))
        if response.status == 204 || response.body.isEmpty { return nil }
        return try decode(AssignedJob.self, response)
    }

    /// `POST /v1/miners/{job_id}/result`: `{status, receipt}` (receipt null when signing is off).
    /// - Throws: `AITBCError`; 409 `CONFLICT_STATE` when the job is not this miner's running job.
    public func submitResult(
        _ jobID: JobID, result: JSONValue, metrics: JSONValue? = nil, claim: SignedWorkClaim? = nil
    ) async throws(AITBCError) -> CompletionResponse {
        let body = JobResultReport(result: result, metrics: metrics, claim: claim)
        return try decode(CompletionResponse.self, try await submitReport(jobID, kind: .result, body: body.bytes))
    }

    /// `POST /v1/miners/{job_id}/fail`.
    /// - Throws: `AITBCError`.
    public func submitFailure(
        _ jobID: JobID, errorCode: String, errorMessage: String, metrics: JSONValue? = nil
    ) async throws(AITBCError) {
        let body = JobFailureReport(errorCode: errorCode, errorMessage: errorMessage, metrics: metrics)
        _ = try await submitReport(jobID, kind: .fail, body: body.bytes)
    }

    /// Which report endpoint `submitReport` posts to.
    public enum ReportKind: String, Sendable {
        /// `POST /v1/miners/{job_id}/result`.
        case result
        /// `POST /v1/miners/{job_id}/fail`.
        case fail
    }

    /// Posts a report body exactly as given (a miner re-sends a persisted report byte for byte,
    /// so the coordinator sees an exact replay). The job id is percent-encoded as one segment.
    /// - Throws: `AITBCError`.
    public func submitReport(_ jobID: JobID, kind: ReportKind, body: [UInt8]) async throws(AITBCError) -> CoordinatorResponse {
        try await post("/miners/\(PathSegment.encode(jobID.rawValue))/\(kind.rawValue)", body)
    }

    /// `POST /v1/miners/{job_id}/start`: acknowledges the job (a poll already implies it).
    /// - Throws: `AITBCError`.
    public func start(_ jobID: JobID) async throws(AITBCError) {
        _ = try await post("/miners/\(PathSegment.encode(jobID.rawValue))/start", Array("{}".utf8))
    }

    /// `POST /v1/miners/drain`: the coordinator marks the miner DRAINING, so a long-poll it
    /// still holds is never answered with a job; running jobs may still report.
    /// - Throws: `AITBCError`.
    public func drain() async throws(AITBCError) {
        _ = try await post("/miners/drain", Array("{}".utf8))
    }

    private func post(_ path: String, _ body: [UInt8]) async throws(AITBCError) -> CoordinatorResponse {
        try await transport.send(CoordinatorRequest(method: .post, path: path, body: body))
    }
}
