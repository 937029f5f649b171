import Foundation
public import Logging
import HTTPServer
import HTTPClient
public import ServiceRuntime

/// The whole `aitbc-miner run`: checks the configuration, loads the key, prepares the
/// workspace, probes the host, serves health/metrics and runs the control loop until drained.
///
/// The executor is a parameter (the factory hook): the executable passes the real
/// `JobExecutor`, tests pass their own.
public struct MinerDaemon: Sendable {
    /// The effective configuration.
    public let configuration: MinerConfiguration
    /// Builds the executor once the host is probed (it needs the GPU count).
    public let makeExecutor: ExecutorFactory
    /// Base logger (the agent adds `node_id`).
    public let logger: Logger
    /// Installed models for `capabilities.models` (the real executor's `installedModels()`).
    public let models: MinerAgent.ModelsSource
    /// Make this process a child subreaper that kills the orphans jobs leave (`OrphanSweeper`).
    /// The executable sets it; in-process tests leave it off, as it changes the whole process.
    public let adoptsOrphans: Bool
    /// Gets the warnings and fatal reasons an operator must see at start (standard error).
    public let console: MinerConsole

    /// Makes the executor from the probed host; a thrown error (e.g. a bad allowlist file) stops
    /// start-up as invalid configuration.
    public typealias ExecutorFactory = @Sendable (_ probe: HostProbe) throws -> any JobExecuting

    /// A daemon whose executor is built by `makeExecutor` after the host probe.
    public init(
        configuration: MinerConfiguration, logger: Logger, models: @escaping MinerAgent.ModelsSource = { nil },
        adoptsOrphans: Bool = false, console: MinerConsole = .standardError, makeExecutor: @escaping ExecutorFactory
    ) {
        self.configuration = configuration
        self.adoptsOrphans = adoptsOrphans
        self.console = console
        self.makeExecutor = makeExecutor
        self.logger = logger
        self.models = models
    }

    /// A daemon running jobs through `executor`.
    public init(
        configuration: MinerConfiguration, executor: any JobExecuting, logger: Logger, models: @escaping MinerAgent.ModelsSource = { nil },
        console: MinerConsole = .standardError
    ) {
        self.init(configuration: configuration, logger: logger, models: models, console: console) { _ in executor }
    }

    /// Runs until drained; returns the process exit code (0 drained, 3 key rejected).
    /// - Parameters:
    ///   - probe: the host facts; nil probes this host (nvidia-smi with a 5 s timeout).
    ///   - onHealthListening: called with the bound health port.
    /// - Throws: `ConfigurationError` (exit code 2) for a missing token, bad key file or unusable
    ///   workspace, or when the miner cannot become a child subreaper; the health server's bind error.
    public func run(shutdown: ShutdownSignal, probe: HostProbe? = nil, onHealthListening: @Sendable (Int) -> Void = { _ in })
        async throws -> Int32
    {
        let token = try configuration.requireAuthToken()
        var logger = logger
        logger[metadataKey: "node_id"] = .string(configuration.nodeID)
        let key = try configuration.keyFile.map { path throws(ConfigurationError) in try KeyFile.load(path: path) }
        if key == nil { warnUnsigned(logger: logger) }
        // The same check as --print-config, before anything is created: a root under a regular
        // file is named with the errno text, not a Foundation error code (issue 12 review).
        try Self.checkCreatable(configuration.workspaceRoot, setting: "workspace.root")
        if configuration.sandboxSettings(slots: 1).jobUsers != nil {
            // Job users pass through every folder above the root: ones made 0700 here would
            // fail the confinement check below, one folder per start.
            try JobWorkspace.createSearchableParents(of: configuration.workspaceRoot)
        }
        let root = try DataDirectory.prepare(configuration.workspaceRoot, setting: "workspace.root")
        if adoptsOrphans {
            // Before anything is spawned: the last confinement layer, whatever the host lacks.
            do {
                try OrphanSweeper.shared.enable(interval: configuration.sandbox.orphanSweepInterval, logger: logger)
            } catch {
                throw ConfigurationError.invalid(setting: "sandbox", reason: "cannot adopt the orphans of jobs: \(error)")
            }
        }
        let host = if let probe { probe } else { await HostProbe.probe(workspace: root) }
        let executor: any JobExecuting
        do {
            executor = try makeExecutor(host)
        } catch {
            throw ConfigurationError.invalid(setting: "runners", reason: "cannot set up job execution: \(error)")
        }
        if let confinement = (executor as? JobExecutor)?.confinement {
            if let failure = confinement.failure { throw ConfigurationError.invalid(setting: "sandbox", reason: failure) }
            for warning in confinement.warnings { logger.warning("sandbox_degraded", metadata: ["reason": "\(warning)"]) }
            logger.info(
                "sandbox",
                metadata: [
                    "landlock_abi": "\(confinement.landlockABI)", "pid_namespace": "\(confinement.pidNamespace)",
                    "job_uids": "\(confinement.jobUsers.map { "\($0.uid)+\($0.count)" } ?? "miner")",
                    "subreaper": "\(OrphanSweeper.shared.isEnabled)",
                ])
        }
        let client = CoordinatorLink(
            baseURL: configuration.coordinatorBaseURL, authToken: token, nodeID: configuration.nodeID,
            timeout: configuration.coordinatorTimeout, hmacSecret: configuration.hmacSecret)
        let agent = MinerAgent(
            configuration: configuration, executor: executor, client: client, store: JobStateStore(root: root),
            capabilities: MinerCapabilities.json(probe: host, configuration: configuration, runners: executor.runnerNames),
            gpuCount: host.gpus.count, key: key, logger: logger, console: console, models: models)
        let router = Router()
        MinerHealthRoutes.install(on: router, agent: agent)
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: configuration.healthHost, port: configuration.healthPort, eventLoopThreads: 1),
            router: router, logger: logger)
        try await server.start()
        onHealthListening(server.port ?? configuration.healthPort)
        let exit = await agent.run(shutdown: shutdown)
        await server.shutdown(deadline: .seconds(2))
        await client.shutdown()
        return exit.exitCode
    }

    /// The start-up checks of `run` that change nothing (`--print-config`): the token, the key
    /// file, the workspace root (an existing path must be a directory of this user, a missing one
    /// must be creatable), the allowlists and a `required` sandbox mechanism the host lacks.
    /// - Throws: `ConfigurationError` as `run` would.
    public func validate(probe: HostProbe) throws(ConfigurationError) {
        _ = try configuration.requireAuthToken()
        if let path = configuration.keyFile { _ = try KeyFile.load(path: path) }
        try Self.checkCreatable(configuration.workspaceRoot, setting: "workspace.root")
        let executor: any JobExecuting
        do {
            executor = try makeExecutor(probe)
        } catch {
            throw ConfigurationError.invalid(setting: "runners", reason: "cannot set up job execution: \(error)")
        }
        if let failure = (executor as? JobExecutor)?.confinement.failure { throw .invalid(setting: "sandbox", reason: failure) }
    }

    /// `path` is a directory owned by this user, or the nearest existing folder above it is one
    /// this user may create folders in.
    private static func checkCreatable(_ path: String, setting: String) throws(ConfigurationError) {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        var info = stat()
        while stat(current, &info) != 0 {
            guard errno == ENOENT, current != "/" else {
                throw .invalid(setting: setting, reason: "cannot stat \(current): \(String(cString: strerror(errno)))")
            }
            current = (current as NSString).deletingLastPathComponent
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .invalid(setting: setting, reason: "\(current) is not a directory") }
        if current == URL(fileURLWithPath: path).standardizedFileURL.path {
            guard info.st_uid == geteuid() else {
                throw .invalid(setting: setting, reason: "\(current) belongs to uid \(info.st_uid), not this user")
            }
        } else if access(current, W_OK | X_OK) != 0 {
            throw .invalid(setting: setting, reason: "cannot create \(path): \(current) is not writable by this user")
        }
    }

    /// No `key_file`: results go out without a signed work claim. Loud, because a coordinator
    /// that pinned a key for this miner refuses it (409 `MINER_KEY_PINNED`) and receipts
    /// carry no statement of the miner's own.
    private func warnUnsigned(logger: Logger) {
        let reason =
            "no key_file configured: results are sent without a signed work claim, and a coordinator that pinned a key "
            + "for this miner refuses it (409 MINER_KEY_PINNED); create one with `aitbc keygen --out miner.key.json` and set key_file"
        logger.warning("results_unsigned", metadata: ["reason": "\(reason)"])
        console.say("warning: \(reason)")
    }
}
