public import AITBCClient
public import JSON
public import WireModels

/// The miner's calls to the coordinator's miner API, made with the SDK's `MinerClient` and
/// each answered as the `CoordinatorReply` the control loop decides on (calls never throw).
///
/// Every request carries the API key as `X-Api-Key` and `Authorization: Bearer` (spec/miner.md
/// §2), plus `X-Miner-ID`; with `coordinator.hmac_secret` every POST carries `X-Signature`. The
/// SDK never retries here (`maxRetries` 0): the loop has its own backoff per call.
public struct CoordinatorLink: Sendable {
    /// The SDK client the calls go through.
    public let client: MinerClient
    /// `coordinator.base_url` as configured (including `/v1`), for the operator's messages.
    public let baseURL: String

    /// A link to `baseURL` (including `/v1`).
    /// - Parameters:
    ///   - timeout: one call's limit; a poll adds its wait + 5 s.
    ///   - hmacSecret: the coordinator's `HMAC_SECRET`, when it requires signed bodies.
    public init(baseURL: String, authToken: String, nodeID: String, timeout: Duration, hmacSecret: String? = nil) {
        self.baseURL = baseURL
        let configuration = AITBCConfiguration(
            baseURL: baseURL, apiKey: authToken, pathPrefix: "", sendsBearer: true, timeout: timeout,
            connectTimeout: min(timeout, .seconds(5)), maxRetries: 0, bodySecret: hmacSecret.map { Array($0.utf8) },
            extraHeaders: ["X-Miner-ID": nodeID, "User-Agent": "aitbc-miner/1"])
        client = MinerClient(configuration: configuration)
    }

    /// Closes the link's connections.
    public func shutdown() async { await client.transport.shutdown() }

    /// `POST /miners/register` with `{capabilities, concurrency, region?, public_key?}`; `.ok` carries the answer.
    public func register(capabilities: JSONValue, concurrency: Int, region: String?, publicKeyHex: String?) async -> CoordinatorReply {
        await CoordinatorReply.of { () async throws(AITBCError) in
            .ok(try await client.register(capabilities: capabilities, concurrency: concurrency, region: region, publicKey: publicKeyHex).json)
        }
    }

    /// `POST /miners/heartbeat` with `{inflight, status, metadata, jobs?}`; `.ok` carries the
    /// answer (`HeartbeatResponse`: `stop_jobs` names held jobs the coordinator wants stopped).
    /// `jobs`: every job the miner still holds (running or with an undelivered report), so the
    /// coordinator can requeue assignments this miner never received; nil leaves it out.
    public func heartbeat(inflight: Int, draining: Bool, metadata: JSONValue, jobs: [String]? = nil) async -> CoordinatorReply {
        await CoordinatorReply.of { () async throws(AITBCError) in
            let answer = try await client.heartbeat(
                inflight: inflight, status: draining ? .draining : .online, metadata: metadata, jobs: jobs?.compactMap(JobID.init))
            return .ok(answer.json)
        }
    }

    /// `POST /miners/poll` with `{max_wait_seconds}`: a job, none (204), or the failure.
    /// A job whose id breaks `JobID`'s rule is refused at decode (`.malformed`).
    public func poll(maxWaitSeconds: Int) async -> PollReply {
        do {
            guard let job = try await client.poll(maxWaitSeconds: maxWaitSeconds) else { return .noJob }
            return .job(job)
        } catch where error.kind == .invalidResponse {
            return .malformed(error.message)
        } catch {
            return .failed(CoordinatorReply(error))
        }
    }

    /// What a poll came back with.
    public enum PollReply: Sendable {
        /// A job to run.
        case job(WireModels.AssignedJob)
        /// 204: nothing to hand out.
        case noJob
        /// A 2xx answer that is no job the miner can address (its id breaks the rule).
        case malformed(String)
        /// No answer, or a refusal.
        case failed(CoordinatorReply)
    }

    /// `POST /miners/drain` (`{}`): the coordinator marks this miner DRAINING, so a long-poll it
    /// still holds for us is never answered with a job; running jobs may still report.
    public func drain() async -> CoordinatorReply {
        await CoordinatorReply.of { () async throws(AITBCError) in
            try await client.drain()
            return .ok(nil)
        }
    }

    /// `POST /miners/{job_id}/result` or `/fail` with the report's body exactly as persisted.
    /// An id the coordinator could never have issued is answered as the 404 it would get.
    public func submit(jobID: String, report: PendingReport) async -> CoordinatorReply {
        guard let id = JobID(jobID) else {
            return .rejected(status: 404, code: "JOB_NOT_FOUND", message: "job id is not a coordinator job id")
        }
        let bytes: [UInt8]
        do {
            bytes = try JSONSerializer().serialize(report.body)
        } catch {
            return .unreachable("request encoding failed: \(error)")
        }
        let kind: MinerClient.ReportKind = report.kind == .result ? .result : .fail
        return await CoordinatorReply.of { () async throws(AITBCError) in
            let response = try await client.submitReport(id, kind: kind, body: bytes)
            return .ok(response.body.isEmpty ? nil : try? response.json())
        }
    }

    /// An operator-facing sentence for a failed `POST <path>` that names the coordinator URL:
    /// "coordinator http://127.0.0.1:8011/v1 unreachable: connection refused (errno 111)". A 404
    /// from register (a route every coordinator has) hints at a base URL missing `/v1`.
    public func explain(_ reply: CoordinatorReply, path: String) -> String {
        switch reply {
        case .unreachable(let reason):
            return "coordinator \(baseURL) unreachable: \(reason)"
        case .rejected(let status, let code, let message):
            var text = "coordinator \(baseURL) answered \(status) to POST \(baseURL)\(path)"
            if let code { text += " (\(code))" }
            if let message { text += ": \(message)" }
            if status == 404, path == "/miners/register" {
                text +=
                    baseURL.hasSuffix("/v1")
                    ? "; is coordinator.base_url an AITBC coordinator?"
                    : "; coordinator.base_url must include /v1, e.g. http://127.0.0.1:8011/v1"
            }
            return text
        case .ok, .noContent:
            return "coordinator \(baseURL) answered \(reply.label)"
        }
    }
}
