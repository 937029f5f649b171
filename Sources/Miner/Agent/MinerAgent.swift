public import Cryptography
import Foundation
public import JSON
public import Logging
public import ServiceRuntime
import Synchronization

/// The miner's control loop (spec/miner.md §5 target): recover → register (retried forever)
/// → heartbeat task + N poll workers, each running one job at a time through the executor
/// and delivering its report; SIGTERM drains.
///
/// Nothing a coordinator answers makes the loop exit except 401 (the API key is wrong) and a
/// register refused with 409 `MINER_KEY_PINNED` (another signing key is pinned for this miner):
/// retrying cannot help, so the daemon exits with code 3. Every other failure is retried with
/// `Backoff`; reports survive restarts in each job's `state.json`.
public final class MinerAgent: Sendable {
    /// Why `run` returned.
    public enum Exit: Sendable, Equatable {
        /// Drained after SIGTERM/SIGINT: exit code 0.
        case drained
        /// The coordinator rejected the API key: exit code 3.
        case unauthorized
        /// The coordinator pinned another public key for this miner (409 `MINER_KEY_PINNED`):
        /// exit code 3.
        case keyPinned

        /// The process exit status for this outcome.
        public var exitCode: Int32 {
            switch self {
            case .drained: 0
            case .unauthorized, .keyPinned: 3
            }
        }
    }

    /// What `/healthz` reports.
    public struct Status: Sendable, Equatable {
        /// Registered with the coordinator right now.
        public var registered: Bool
        /// Draining after a stop signal.
        public var draining: Bool
        /// Jobs executing now.
        public var inflight: Int
        /// Unix milliseconds of the last acknowledged heartbeat.
        public var lastHeartbeatOK: Int64?
    }

    struct State {
        var registered = false
        var registering = false
        var draining = false
        var fatal = false
        /// Why `fatal` was set: what `run` returns.
        var fatalExit = Exit.unauthorized
        var finished = false
        var heartbeatNow = false
        /// Set once the drain deadline passed: a job starting now is cancelled at once.
        var drainExpired = false
        /// The register body's capabilities; `models` is refreshed from the models source.
        var capabilities: JSONValue
        /// When the models were last probed.
        var modelsProbedAt: ContinuousClock.Instant?
        var inflight = 0
        var lastHeartbeatOK: Int64?
        var minerID: String
        var executions: [String: Task<JobOutcome, Never>] = [:]
        /// Reports whose submission burst ran out; retried by the redelivery task.
        var redelivery: [String: PendingReport] = [:]
        /// Jobs taken from a poll whose report is not settled yet; with `redelivery`, the
        /// heartbeat's `jobs` list.
        var held: Set<String> = []
        /// Held jobs the coordinator asked to stop (`stop_jobs`) that are still winding down:
        /// their execution is cancelled and no report is sent for them.
        var stopped: Set<String> = []
        /// The deferred report the redelivery round is submitting right now: a stop that names
        /// it is left to that round (which reads and writes the job's state.json itself).
        var redelivering: String?
        /// In-flight polls by slot: a drain cancels them, which closes their connections.
        var polls: [Int: Task<CoordinatorLink.PollReply, Never>] = [:]
    }

    /// Most job ids a heartbeat lists (the coordinator accepts 1,024).
    static let maxHeldJobsReported = 1_024

    /// Most submission attempts per burst before the report is left to the redelivery task.
    public static let reportBurstAttempts = 10
    /// Most attempts for one report across bursts, redelivery rounds and restarts (at the
    /// default 60 s maximum backoff, about a day) before it is abandoned.
    public static let maxReportAttempts = 1_500

    let configuration: MinerConfiguration
    let executor: any JobExecuting
    let client: CoordinatorLink
    let store: JobStateStore
    let gpuCount: Int
    let models: ModelsSource
    let key: Ed25519.PrivateKey?
    let logger: Logger
    let console: MinerConsole
    let state: Mutex<State>
    /// Claims the receipts of delivered results on the chain (`chain.url`); nil when off.
    let claimer: ReceiptClaimer?

    /// Lists the models this host can serve (`capabilities.models`); nil when unknown.
    public typealias ModelsSource = @Sendable () async -> [String]?

    /// How often the models are re-probed (spec §4: every heartbeat cycle, at most 60 s apart).
    static let modelsProbeInterval = Duration.seconds(60)

    /// A loop for one miner.
    /// - Parameters:
    ///   - capabilities: the register body's `capabilities` (see `MinerCapabilities`).
    ///   - models: probed before registering and about once a minute; a changed set re-registers
    ///     (the real executor's `installedModels()`); nil results leave the advertised set alone.
    ///   - gpuCount: GPUs found by the probe; GPU slots exist only when it is above zero.
    ///   - key: signs work claims; without one, results carry no claim.
    ///   - logger: gets `node_id` added to every line.
    ///   - console: also gets the reason of a fatal exit (standard error in the executable).
    public init(
        configuration: MinerConfiguration, executor: any JobExecuting, client: CoordinatorLink, store: JobStateStore,
        capabilities: JSONValue, gpuCount: Int, key: Ed25519.PrivateKey?, logger: Logger, console: MinerConsole = .standardError,
        models: @escaping ModelsSource = { nil }
    ) {
        self.configuration = configuration
        self.executor = executor
        self.client = client
        self.store = store
        self.gpuCount = gpuCount
        self.models = models
        self.key = key
        var logger = logger
        logger[metadataKey: "node_id"] = .string(configuration.nodeID)
        self.logger = logger
        self.console = console
        state = Mutex(State(capabilities: capabilities, minerID: configuration.nodeID))
        claimer = Self.makeClaimer(configuration: configuration, key: key, workspaceRoot: store.root, logger: self.logger)
    }

    /// The current status (for `/healthz`).
    public var status: Status {
        state.withLock { Status(registered: $0.registered, draining: $0.draining, inflight: $0.inflight, lastHeartbeatOK: $0.lastHeartbeatOK) }
    }

    /// The miner id claims are made for: the register response's `miner_id`, else `node_id`.
    public var minerID: String { state.withLock { $0.minerID } }

    /// Runs until `shutdown` fires (then drains) or the coordinator rejects the key.
    public func run(shutdown: ShutdownSignal) async -> Exit {
        await recover()
        // Claims need no coordinator: those of an earlier run go out while it registers.
        let claiming = claimer.map { claimer in Task { await claimer.run() } }
        _ = await refreshModels()
        let watcher = Task { [self] in
            let received = await shutdown.wait()
            await drain(signal: received)
        }
        if await register(stopWhenDraining: true) {
            _ = await redeliverRound(round: 0)
            let heartbeat = Task { [self] in await heartbeatLoop() }
            let redelivery = Task { [self] in await redeliveryLoop() }
            let retention = Task { [self] in await retentionLoop() }
            let workers = configuration.workerCount(gpuCount: gpuCount)
            await withTaskGroup(of: Void.self) { group in
                for slot in 0..<workers {
                    group.addTask { [self] in await pollWorker(slot: slot) }
                }
            }
            redelivery.cancel()
            heartbeat.cancel()
            retention.cancel()
            await redelivery.value
            await heartbeat.value
            await retention.value
        }
        // Claims still pending stay in <workspace_root>/claims for the next start.
        claiming?.cancel()
        await claiming?.value
        await claimer?.shutdown()
        state.withLock { $0.finished = true }
        // Releases the watcher when no signal came (fatal exit); it sees `finished` and returns.
        shutdown.fire(15)
        await watcher.value
        let exit = state.withLock { $0.fatal ? $0.fatalExit : .drained }
        logger.info("stopped", metadata: ["exit_code": "\(exit.exitCode)"])
        return exit
    }

    /// Cancels every running execution; returns how many there were.
    @discardableResult
    func cancelExecutions() -> Int {
        let running = state.withLock { Array($0.executions.values) }
        running.forEach { $0.cancel() }
        return running.count
    }

    /// Registers, retrying with backoff until it succeeds; false when it gave up because the
    /// key was rejected (fatal), the miner is draining (`stopWhenDraining`) or the task was cancelled.
    func register(stopWhenDraining: Bool) async -> Bool {
        var attempt = 0
        while !Task.isCancelled {
            if state.withLock({ $0.fatal || (stopWhenDraining && $0.draining) }) { return false }
            let capabilities = state.withLock { $0.capabilities }
            let reply = await client.register(
                capabilities: capabilities, concurrency: configuration.workerCount(gpuCount: gpuCount), region: configuration.region,
                publicKeyHex: key?.publicKey.hex)
            switch reply {
            case .ok(let body):
                let minerID = body?["miner_id"]?.stringValue ?? configuration.nodeID
                state.withLock {
                    $0.registered = true
                    $0.minerID = minerID
                }
                logger.info("registered", metadata: ["miner_id": "\(minerID)", "attempts": "\(attempt + 1)"])
                return true
            case .rejected(401, _, _):
                markFatal()
                return false
            case .rejected(409, "MINER_KEY_PINNED", let message):
                markKeyPinned(coordinatorMessage: message)
                return false
            default:
                let delay = configuration.backoff.delay(attempt: attempt)
                let explanation = client.explain(reply, path: "/miners/register")
                logger.warning(
                    "register_failed",
                    metadata: [
                        "reason": "\(reply.label)", "retry_in_s": "\(Backoff.logText(delay))", "error_message": "\(explanation)",
                    ])
                // A wrong URL or port is the usual first-start mistake: say it where the operator looks.
                if attempt == 0, reply.isNotFound || !reply.isRejection { console.say("\(explanation); retrying") }
                attempt += 1
                await pause(delay) { $0.fatal || (stopWhenDraining && $0.draining) }
            }
        }
        return false
    }

    /// Re-registers after a 404 (the coordinator lost its state); concurrent callers leave it to the first.
    func reregister() async {
        let mine: Bool = state.withLock { state in
            state.registered = false
            guard !state.registering else { return false }
            state.registering = true
            return true
        }
        guard mine else { return }
        logger.warning("reregistering")
        // A draining miner stops trying: its reports stay in state.json for the next start.
        _ = await register(stopWhenDraining: true)
        state.withLock { $0.registering = false }
    }

    /// Re-probes the models when due (or first); true when the advertised set changed.
    func refreshModels() async -> Bool {
        let due = state.withLock { state in
            state.modelsProbedAt.map { ContinuousClock.now - $0 >= Self.modelsProbeInterval } ?? true
        }
        guard due else { return false }
        let found = await models()
        return state.withLock { state in
            state.modelsProbedAt = .now
            guard let found, case .object(var members) = state.capabilities else { return false }
            let value = JSONValue.array(found.sorted().map { .string($0) })
            if let index = members.firstIndex(where: { $0.key == "models" }) {
                guard members[index].value != value else { return false }
                members[index].value = value
            } else {
                members.append(JSONMember(key: "models", value: value))
            }
            state.capabilities = .object(members)
            return true
        }
    }

    /// Sleeps up to `duration`, returning early when `wake` holds or the task is cancelled.
    func pause(_ duration: Duration, wake: (State) -> Bool) async {
        let deadline = ContinuousClock.now + duration
        while !Task.isCancelled, !state.withLock({ wake($0) }) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return }
            // Short slices so a drain or fatal flag is noticed within ~20 ms.
            do {
                try await Task.sleep(for: min(remaining, .milliseconds(20)))
            } catch {
                return
            }
        }
    }

    /// Unix milliseconds now.
    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
