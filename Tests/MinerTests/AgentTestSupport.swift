import Cryptography
import Foundation
import HTTP1
import HTTPServer
import JSON
import Logging
import ServiceRuntime
import Synchronization
import TestSupport
import Testing
import WireModels

@testable import Miner

/// A coordinator job id (32 lowercase hex) named by `name`: the first half of its SHA-256, so
/// tests keep readable names and the same name always gives the same id.
func jid(_ name: String) -> String {
    JobID(name)?.rawValue ?? String(Hex.encode(SHA256.hash(Array(name.utf8))).prefix(32))
}

/// The `JobID` of `jid(name)`.
func testJobID(_ name: String) -> JobID {
    guard let id = JobID(jid(name)) else { preconditionFailure("jid gives 32 lowercase hex") }
    return id
}

/// A job as the coordinator assigns it (WireModels' type), its id `jid(name)`, no constraints.
func testJob(_ name: String, payload: JSONValue) -> AssignedJob {
    AssignedJob(jobID: testJobID(name), payload: payload, constraints: JobConstraints())
}

/// The API key the mock coordinator accepts.
let agentTestToken = "mk-test-7f3a9c1e5b2d4f60"
/// The node id the agent tests configure.
let agentTestNodeID = "miner-test-1"

/// What the mock coordinator saw and what it will answer.
struct MockCoordinatorState: Sendable {
    enum Mode: Sendable { case normal, unavailable, unauthorized }
    var mode = Mode.normal
    var registered = false
    var registerCount = 0
    var publicKeyHex: String?
    var capabilities: JSONValue?
    var heartbeats: [(inflight: Int, status: String, jobs: [String]?)] = []
    var polls = 0
    var pollsAfterMark = 0
    var markPolls = false
    var queue: [JSONValue] = []
    var assigned: Set<String> = []
    /// Result bodies the coordinator accepted (exact replays are answered but not counted).
    var results: [String: [JSONValue]] = [:]
    var resultPosts = 0
    var fails: [String: [JSONValue]] = [:]
    /// How many polls had arrived when each failure report came.
    var pollsBeforeFails: [String: [Int]] = [:]
    var headerProblems: [String] = []
    /// Job ids whose result/fail answers 404.
    var unknownJobs: Set<String> = []
    /// Job ids whose result answers 503 (a coordinator that keeps failing on one report).
    var failingResults: Set<String> = []
    /// How long a poll waits before it picks a job (a long-poll that finds one late).
    var pollHold: Duration = .zero
    /// Polls that arrived, counted before the hold.
    var pollsArrived = 0
    /// What `POST /v1/miners/drain` answers (an older coordinator without the route: 404).
    var drainAnswer: HTTPResponseStatus = .ok
    /// Drain requests that arrived.
    var drains = 0
    /// Runs when a drain request arrives, before it is answered (tests look at the miner then).
    var onDrain: (@Sendable () -> Void)?
    /// A refusal `register` answers with (status, error code, message) instead of registering.
    var registerRefusal: (status: HTTPResponseStatus, code: String, message: String)?
    /// Job ids the heartbeat answer names in `stop_jobs` while the miner lists them in `jobs`
    /// (jobs the coordinator canceled).
    var stopJobs: Set<String> = []
    /// Job ids whose result/fail answers this refusal (status, error code, message).
    var refusedReports: [String: (status: HTTPResponseStatus, code: String, message: String)] = [:]
}

/// Shared, locked mock state (a class so route closures can hold it).
final class MockCoordinatorBox: Sendable {
    private let mutex = Mutex(MockCoordinatorState())

    func withLock<T>(_ body: (inout MockCoordinatorState) -> T) -> T { mutex.withLock { body(&$0) } }
}

/// An in-test coordinator on 127.0.0.1 implementing the five miner endpoints with checks.
final class MockCoordinator: Sendable {
    let state = MockCoordinatorBox()
    private let server = Mutex<HTTPServer?>(nil)
    private let boundPort = Mutex<Int?>(nil)
    private let router: Router

    init() {
        router = Router()
        let state = self.state
        @Sendable func check(_ request: Request) -> Response? {
            var problems: [String] = []
            if request.headers["X-Api-Key"] != agentTestToken { problems.append("X-Api-Key") }
            if request.headers["Authorization"] != "Bearer \(agentTestToken)" { problems.append("Authorization") }
            if request.headers["X-Miner-ID"] != agentTestNodeID { problems.append("X-Miner-ID") }
            let mode = state.withLock { state in
                state.headerProblems += problems
                return state.mode
            }
            if !problems.isEmpty { return Response(status: .unauthorized) }
            if mode == .unavailable { return Response(status: .serviceUnavailable) }
            return nil
        }
        @Sendable func body(_ request: Request) -> JSONValue {
            (try? JSONParser(limits: .init(maxInputBytes: 1 << 24)).parse(request.body)) ?? .null
        }
        @Sendable func ok(_ message: some WireMessage = StatusResponse()) -> Response {
            Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(message.bytes))
        }
        /// The coordinator's error body: `{"detail", "error": {"code", "message"}}`.
        @Sendable func refusal(_ refusal: (status: HTTPResponseStatus, code: String, message: String)) -> Response {
            let body = ErrorResponse(detail: refusal.message, code: refusal.code, message: refusal.message)
            return Response(status: refusal.status, headers: ["Content-Type": "application/json"], body: .bytes(body.bytes))
        }
        router.post("/v1/miners/register") { request, _ in
            if let refused = check(request) { return refused }
            let parsed = try? RegisterMinerRequest(json: body(request))
            if let refused = state.withLock({ state -> (status: HTTPResponseStatus, code: String, message: String)? in
                state.registerCount += 1
                return state.registerRefusal
            }) {
                return refusal(refused)
            }
            guard let parsed else { return Response(status: .unprocessableContent) }
            state.withLock { state in
                state.registered = true
                state.publicKeyHex = parsed.publicKey
                state.capabilities = parsed.capabilities
            }
            return ok(RegisterMinerResponse(sessionToken: "00112233445566778899aabbccddeeff", minerID: nil))
        }
        router.post("/v1/miners/heartbeat") { request, _ in
            if let refused = check(request) { return refused }
            guard let parsed = try? HeartbeatRequest(json: body(request)) else { return Response(status: .unprocessableContent) }
            let (answer, stop): (HTTPResponseStatus, [String]) = state.withLock { state in
                if state.mode == .unauthorized { return (.unauthorized, []) }
                guard state.registered else { return (.notFound, []) }
                state.heartbeats.append((parsed.inflight ?? -1, parsed.status?.rawValue ?? "?", parsed.jobs))
                return (.ok, (parsed.jobs ?? []).filter { state.stopJobs.contains($0) })
            }
            return answer == .ok ? ok(HeartbeatResponse(stopJobs: stop)) : Response(status: answer)
        }
        router.post("/v1/miners/poll") { request, _ in
            if let refused = check(request) { return refused }
            let hold = state.withLock { state in
                state.pollsArrived += 1
                return state.pollHold
            }
            if hold > .zero { try? await Task.sleep(for: hold) }
            let job: JSONValue?? = state.withLock { state in
                guard state.registered else { return nil }
                state.polls += 1
                if state.markPolls { state.pollsAfterMark += 1 }
                guard !state.queue.isEmpty else { return .some(nil) }
                let job = state.queue.removeFirst()
                if let id = job["job_id"]?.stringValue { state.assigned.insert(id) }
                return .some(job)
            }
            switch job {
            case .none: return Response(status: .notFound)
            case .some(.none): return Response(status: .noContent)
            case .some(.some(let job)):
                return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes((try? JSONSerializer().serialize(job)) ?? []))
            }
        }
        router.post("/v1/miners/drain") { request, _ in
            if let refused = check(request) { return refused }
            let (answer, hook) = state.withLock { state in
                state.drains += 1
                return (state.registered ? state.drainAnswer : .notFound, state.onDrain)
            }
            hook?()
            return answer == .ok ? ok() : Response(status: answer)
        }
        router.post("/v1/miners/{job_id}/result") { request, context in
            if let refused = check(request) { return refused }
            let jobID = context.parameters["job_id"] ?? ""
            if let refused = state.withLock({ $0.refusedReports[jobID] }) { return refusal(refused) }
            let parsed = body(request)
            // What the coordinator would refuse (strict request decoding) is refused here too.
            guard (try? JobResultReport(json: parsed)) != nil else { return Response(status: .unprocessableContent) }
            let status: HTTPResponseStatus = state.withLock { state in
                state.resultPosts += 1
                if state.failingResults.contains(jobID) { return .serviceUnavailable }
                guard state.assigned.contains(jobID), !state.unknownJobs.contains(jobID) else { return .notFound }
                if let previous = state.results[jobID], !previous.isEmpty {
                    // Exact replay is accepted without counting again; anything else conflicts.
                    return previous[0] == parsed ? .ok : .conflict
                }
                state.results[jobID, default: []].append(parsed)
                return .ok
            }
            return status == .ok ? ok(CompletionResponse(receipt: nil)) : Response(status: status)
        }
        router.post("/v1/miners/{job_id}/fail") { request, context in
            if let refused = check(request) { return refused }
            let jobID = context.parameters["job_id"] ?? ""
            if let refused = state.withLock({ $0.refusedReports[jobID] }) { return refusal(refused) }
            let parsed = body(request)
            guard (try? JobFailureReport(json: parsed)) != nil else { return Response(status: .unprocessableContent) }
            let known = state.withLock { state in
                guard state.assigned.contains(jobID), !state.unknownJobs.contains(jobID) else { return false }
                state.fails[jobID, default: []].append(parsed)
                state.pollsBeforeFails[jobID, default: []].append(state.polls)
                return true
            }
            return known ? ok() : Response(status: .notFound)
        }
    }

    /// The bound port.
    var port: Int { boundPort.withLock { $0 } ?? 0 }

    /// The base URL the miner is configured with.
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Starts listening (on the previous port when restarted, else an ephemeral one).
    func start() async throws {
        let logger = Logger(label: "mock-coordinator") { _ in SwiftLogNoOpLogHandler() }
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(port: boundPort.withLock { $0 } ?? 0, eventLoopThreads: 1), router: router,
            logger: logger)
        try await server.start()
        boundPort.withLock { $0 = server.port }
        self.server.withLock { $0 = server }
    }

    /// Stops listening: connections are refused until `start` runs again.
    func stop() async {
        let server = self.server.withLock { server in
            defer { server = nil }
            return server
        }
        await server?.shutdown(deadline: .milliseconds(200))
    }

    /// Queues a job for the next poll (`jobID` a coordinator id, e.g. from `jid`).
    func enqueue(_ jobID: String, payload: JSONValue = ["type": "echo", "input": "hi"]) {
        guard let id = JobID(jobID) else {
            Issue.record("\(jobID) is no job id; use jid(\"name\")")
            return
        }
        enqueue(raw: WireModels.AssignedJob(jobID: id, payload: payload, constraints: JobConstraints()).json)
    }

    /// Queues a poll answer as given (a malformed one, for refusal tests).
    func enqueue(raw job: JSONValue) {
        state.withLock { $0.queue.append(job) }
    }

    func read<T>(_ body: (MockCoordinatorState) -> T) -> T { state.withLock { body($0) } }
}

/// Collects JSON log lines.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "aitbc-miner.test") { [self] label in
            JSONLogHandler(label: label, service: "aitbc-miner", level: .debug) { bytes in
                let text = String(decoding: bytes, as: UTF8.self)
                self.lines.withLock { $0.append(text) }
            }
        }
    }

    var all: [String] { lines.withLock { $0 } }

    /// Parsed lines whose `event` is `event`.
    func events(_ event: String) -> [JSONValue] {
        all.compactMap { try? JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse($0) }.filter { $0["event"]?.stringValue == event }
    }
}

/// Collects what the miner writes for the operator on standard error.
final class ConsoleCapture: Sendable {
    let lines = Mutex<[String]>([])

    var console: MinerConsole { MinerConsole { [self] line in lines.withLock { $0.append(line) } } }

    var all: [String] { lines.withLock { $0 } }
}

/// A test executor: counts concurrent executions, sleeps `duration` (or until `gate` opens),
/// returns E_SHUTDOWN when cancelled.
final class ProbeExecutor: JobExecuting {
    let duration: Duration
    let gate: Mutex<Bool>
    let running = Mutex(0)
    let maxConcurrent = Mutex(0)
    let started = Mutex<[String]>([])

    init(duration: Duration = .milliseconds(20), gated: Bool = false) {
        self.duration = duration
        gate = Mutex(!gated)
    }

    var runnerNames: [String] { ["echo", "sleep"] }

    func open() { gate.withLock { $0 = true } }

    func execute(_ job: AssignedJob, context: ExecutionContext) async -> JobOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        running.withLock { running in
            running += 1
            maxConcurrent.withLock { $0 = max($0, running) }
        }
        started.withLock { $0.append(job.jobID.rawValue) }
        defer { running.withLock { $0 -= 1 } }
        do {
            try await Task.sleep(for: duration)
            while !gate.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        } catch {
            return .failed(code: .shutdown, message: "cancelled", metrics: ["duration_ms": 1])
        }
        let elapsed = clock.now - start
        let milliseconds = max(1, MinerAgent.milliseconds(elapsed))
        return .completed(
            result: ["echo": job.payload],
            metrics: ["duration_ms": .integer(JSONInteger(milliseconds)), "units": .float(Double(milliseconds) / 1000), "unit_type": "cpu_seconds"])
    }
}

/// A miner wired to `mock` with short intervals, a temporary workspace and a fresh key.
struct AgentHarness {
    let agent: MinerAgent
    let logs: LogCapture
    let console = ConsoleCapture()
    let key: Ed25519.PrivateKey
    let workspace: TemporaryDirectory
    let shutdown = ShutdownSignal(signals: [])

    init(
        mock: MockCoordinator, executor: any JobExecuting, flags extra: [String: String] = [:], workspace: TemporaryDirectory? = nil,
        models: @escaping MinerAgent.ModelsSource = { nil }
    ) throws {
        try self.init(baseURL: mock.baseURL, executor: executor, flags: extra, workspace: workspace, models: models)
    }

    init(
        baseURL: String, executor: any JobExecuting, flags extra: [String: String] = [:], workspace: TemporaryDirectory? = nil,
        models: @escaping MinerAgent.ModelsSource = { nil }
    ) throws {
        let workspace = try workspace ?? TemporaryDirectory(prefix: "aitbc-miner-agent")
        var flags = [
            "node_id": agentTestNodeID, "coordinator.base_url": baseURL, "coordinator.auth_token": agentTestToken,
            "heartbeat.interval_s": "0.05", "heartbeat.backoff.min_s": "0.01", "heartbeat.backoff.max_s": "0.05",
            "poll.interval_s": "0.02", "poll.max_wait_s": "0", "drain_timeout_s": "10", "workspace.root": workspace.url.path,
            "health_bind": "127.0.0.1:0",
        ]
        flags.merge(extra) { _, new in new }
        let configuration = try MinerConfiguration.load(configPath: nil, environment: [:], flags: flags)
        let probe = HostProbe(
            cpu: .init(logicalCores: 2, arch: "x86_64", model: "test"), memoryTotalBytes: 1 << 30, workspaceFreeBytes: 1 << 30,
            gpus: [], cuda: nil, gpuProbeError: nil)
        let client = CoordinatorLink(
            baseURL: configuration.coordinatorBaseURL, authToken: try configuration.requireAuthToken(), nodeID: configuration.nodeID,
            timeout: .seconds(5), hmacSecret: configuration.hmacSecret)
        logs = LogCapture()
        key = Ed25519.PrivateKey.generate()
        self.workspace = workspace
        agent = MinerAgent(
            configuration: configuration, executor: executor, client: client, store: JobStateStore(root: workspace.url.path),
            capabilities: MinerCapabilities.json(probe: probe, configuration: configuration, runners: executor.runnerNames),
            gpuCount: 0, key: key, logger: logs.logger, console: console.console, models: models)
    }

    /// Starts the loop; the task's value is its exit.
    func start() -> Task<MinerAgent.Exit, Never> {
        Task { [agent, shutdown] in await agent.run(shutdown: shutdown) }
    }
}

/// Waits until `condition` holds (polling every 10 ms) or `timeout` passes; returns whether it held.
@discardableResult
func eventually(timeout: Duration = .seconds(45), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
