import ArgumentParser
import AITBCClient
import HTTPClient
import JSON
import Receipts
import ServiceRuntime
import WireModels
import TerminalText

/// The coordinator as the service commands see it: the SDK's clients for one command run, and
/// every SDK failure turned into a `ServiceFailure` with the documented exit status. The only
/// place the commands meet the SDK; nothing here writes HTTP or a wire shape.
struct ServiceSession: SDKSession {
    static let peer = SDKPeer(name: "the coordinator", api: "API", credential: "the API key")

    /// A job view: its id and state, and the message to print.
    struct Job {
        /// The job id.
        var id: String
        /// The state as the coordinator names it.
        var state: String
        /// The job view in its wire encoding.
        var json: JSONValue

        init(_ view: JobView) {
            id = view.jobID.rawValue
            state = view.state.rawValue
            json = view.json
        }
    }

    /// The connection every client of this session shares.
    let transport: CoordinatorTransport
    /// The URL as it may be shown.
    let shownURL: String

    /// A session for `options`: its URL and key checked first (exit 2 when unusable).
    init(_ options: ServiceOptions) throws(ServiceFailure) {
        var url = try options.baseURL()
        // The SDK appends /v1 itself; a base URL copied from a miner config ends with it.
        if url.hasSuffix("/v1") { url.removeLast(3) }
        let key = try options.apiKey()
        // Whatever the coordinator echoes of the key is printed as *** (docs/cli.md "Who").
        CommandIO.redact(key)
        shownURL = UntrustedText.displayURL(url)
        transport = CoordinatorTransport(configuration: AITBCConfiguration(baseURL: url, apiKey: key))
    }

    /// Runs `body` with a session for `options` and closes its connections afterwards.
    static func using<T>(
        _ options: ServiceOptions, _ body: (ServiceSession) async throws(ServiceFailure) -> T
    ) async throws(ServiceFailure) -> T {
        try await using({ () throws(ServiceFailure) in try ServiceSession(options) }, body)
    }

    func close() async { await transport.shutdown() }

    private var jobs: JobsClient { JobsClient(transport: transport) }
    private var admin: AdminClient { AdminClient(transport: transport) }

    /// `text` as a job id.
    /// - Throws: `ServiceFailure` (exit 2) when it is not one.
    static func jobID(_ text: String) throws(ServiceFailure) -> JobID {
        guard let id = JobID(text) else {
            throw ServiceFailure(.usage, "job id \(UntrustedText.display(text)): \(JobID.rule)")
        }
        return id
    }

    /// Submits a job.
    /// - Parameter constraints: the constraints object and the file it came from; checked here
    ///   by the rule the coordinator applies (a misspelt member is refused before it is sent).
    func submit(
        payload: JSONValue, constraints: (value: JSONValue, source: String)?, ttlSeconds: Int?, idempotencyKey: String?
    ) async throws(ServiceFailure) -> Job {
        var parsed: JobConstraints?
        if let constraints {
            do {
                parsed = try JobConstraints(json: constraints.value)
            } catch {
                throw ServiceFailure(.usage, "--constraints \(constraints.source): \(error)")
            }
        }
        return try await call("job submit") { () async throws(AITBCError) in
            Job(try await jobs.submitJob(payload: payload, constraints: parsed, ttlSeconds: ttlSeconds, idempotencyKey: idempotencyKey))
        }
    }

    /// The job's view.
    func job(_ text: String) async throws(ServiceFailure) -> Job {
        let id = try Self.jobID(text)
        return try await call("job \(id)") { () async throws(AITBCError) in Job(try await jobs.job(id)) }
    }

    /// Cancels the job.
    func cancel(_ text: String) async throws(ServiceFailure) -> Job {
        let id = try Self.jobID(text)
        return try await call("job \(id)") { () async throws(AITBCError) in Job(try await jobs.cancel(id)) }
    }

    /// Waits until the job ends, at most `timeoutSeconds`.
    /// - Throws: `ServiceFailure` (exit 1) when it has not ended by then.
    func wait(for text: String, timeoutSeconds: Int) async throws(ServiceFailure) -> Job {
        let id = try Self.jobID(text)
        return try await call("job \(id)") { () async throws(AITBCError) in
            Job(try await jobs.waitForCompletion(id, timeout: .seconds(timeoutSeconds)))
        }
    }

    /// The job's result answer `{"result","receipt","state","error"}`.
    /// - Throws: `ServiceFailure` (exit 1) while the job has not ended (425).
    func result(_ text: String) async throws(ServiceFailure) -> JSONValue {
        let id = try Self.jobID(text)
        let outcome = try await call("job \(id)") { () async throws(AITBCError) in try await jobs.result(id) }
        switch outcome {
        case .ready(let answer): return answer.json
        case .notReady:
            throw ServiceFailure(
                .rejected,
                "job \(id) is not finished yet (425 JOB_NOT_READY): wait for it with aitbc job wait \(id), or add --wait")
        }
    }

    /// The job's latest receipt.
    /// - Throws: `ServiceFailure` (exit 1) when the job has none.
    func latestReceipt(_ text: String) async throws(ServiceFailure) -> Receipt {
        let id = try Self.jobID(text)
        let receipt = try await call("job \(id)") { () async throws(AITBCError) in try await jobs.latestReceipt(id) }
        guard let receipt else {
            throw ServiceFailure(.rejected, "job \(id) has no receipt (404 RECEIPT_NOT_AVAILABLE): it has not COMPLETED, or the coordinator signs none")
        }
        return receipt
    }

    /// Every receipt of the job, oldest first (all pages).
    /// - Throws: `ServiceFailure` (exit 1) when the job has none, as for the latest one.
    func allReceipts(_ text: String) async throws(ServiceFailure) -> [Receipt] {
        let id = try Self.jobID(text)
        let receipts = try await call("job \(id)") { () async throws(AITBCError) in
            var receipts: [Receipt] = []
            var iterator = jobs.receipts(id).makeAsyncIterator()
            while let receipt = try await iterator.next() { receipts.append(receipt) }
            return receipts
        }
        guard !receipts.isEmpty else {
            throw ServiceFailure(.rejected, "job \(id) has no receipts: it has not COMPLETED, or the coordinator signs none")
        }
        return receipts
    }

    /// One page of the admin job listing, in its wire encoding.
    func adminJobs(state: String?, limit: Int?, cursor: String?) async throws(ServiceFailure) -> JSONValue {
        var filter: JobState?
        if let state {
            guard let known = JobState(rawValue: state.uppercased()) else {
                throw ServiceFailure(.usage, "--state \(UntrustedText.display(state)): one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter = known
        }
        return try await call("job list") { () async throws(AITBCError) in
            try await admin.jobsPage(state: filter, limit: limit, cursor: cursor).json
        }
    }

    /// One page of the admin miner listing, in its wire encoding.
    func miners(status: String?, limit: Int?, cursor: String?) async throws(ServiceFailure) -> JSONValue {
        var filter: MinerStatus?
        if let status {
            guard let known = MinerStatus(rawValue: status.uppercased()) else {
                throw ServiceFailure(.usage, "--status \(UntrustedText.display(status)): one of \(MinerStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter = known
        }
        return try await call("miner list") { () async throws(AITBCError) in
            try await admin.minersPage(status: filter, limit: limit, cursor: cursor).json
        }
    }
}

extension ServiceOptions {
    /// What every service command does: opens a session over these options, runs `body`, and
    /// exits with its status (or the status of the failure it threw), printing what went wrong.
    /// - Throws: `ExitCode` with the documented status.
    func run(_ body: (ServiceSession) async throws(ServiceFailure) -> ServiceExit) async throws(ExitCode) {
        try await CommandIO.reportingServiceFailures { () throws(ServiceFailure) -> ServiceExit in
            try await ServiceSession.using(self, body)
        }
    }
}
