import JSON
public import WireModels

/// Runs assigned jobs on this host (spec/miner.md §6–§8): picks the runner from the payload,
/// prepares the job workspace, runs built-ins in process and commands in the sandbox, and
/// turns every result or problem into a `JobOutcome` with metering.
public struct JobExecutor: JobExecuting {
    /// The settings given at creation.
    public let settings: ExecutorSettings
    /// Allowlisted tools by job-facing name.
    public let tools: [String: AllowlistedTool]
    let ollama: OllamaClient
    /// What the sandbox does on this host (probed once, here).
    public let confinement: SandboxConfinement
    /// Leases the job uids; nil when jobs run as the miner's uid.
    let jobUsers: JobUserPool?

    /// Loads every allowlist file up front so a bad file stops the miner at start.
    /// - Throws: `AllowlistError` naming the unreadable or invalid file (or a duplicate tool name).
    public init(settings: ExecutorSettings) throws(AllowlistError) {
        var tools: [String: AllowlistedTool] = [:]
        for file in settings.allowlistFiles {
            let tool = try AllowlistedTool.load(file: file)
            guard tools[tool.name] == nil else { throw AllowlistError(file: file, reason: "tool '\(tool.name)' is already allowlisted") }
            tools[tool.name] = tool
        }
        self.settings = settings
        self.tools = tools
        ollama = OllamaClient(baseURL: settings.ollamaURL)
        confinement = SandboxConfinement.resolve(settings.sandbox, workspaceRoot: settings.workspaceRoot, slots: settings.jobSlots)
        jobUsers = confinement.jobUsers.map(JobUserPool.init(range:))
    }

    /// `echo`, `sha256`, `sleep`, `cli` (when enabled) and `ollama.generate`.
    public var runnerNames: [String] {
        RunnerKind.allCases.filter { $0 != .cli || settings.cliEnabled }.map(\.rawValue)
    }

    /// Models the local Ollama server has installed (`/api/tags`); empty on any error.
    public func installedModels() async -> [String] {
        (try? await ollama.installedModels()) ?? []
    }

    /// Runs `job` to an outcome; never throws. Cancelling the task stops the job (`E_SHUTDOWN`).
    public func execute(_ job: AssignedJob, context: ExecutionContext) async -> JobOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        var metering = Metering()
        do {
            let result = try await run(job, context: context, metering: &metering)
            return .completed(result: result, metrics: metrics(elapsed: clock.now - start, metering: metering, context: context))
        } catch {
            let failure = Task.isCancelled ? shutdownIfCancelled(error) : error
            return .failed(
                code: failure.code, message: failure.description,
                metrics: metrics(elapsed: clock.now - start, metering: metering, context: context))
        }
    }

    /// Cancellation wins over whatever the runner reported while being stopped.
    private func shutdownIfCancelled(_ error: ExecutionFailure) -> ExecutionFailure {
        switch error {
        case .invalidJob, .denied, .unsupported: error
        default: .shutdown
        }
    }

    private func run(_ job: AssignedJob, context: ExecutionContext, metering: inout Metering) async throws(ExecutionFailure) -> JSONValue {
        let kind = try RunnerKind.runner(for: job.payload)
        let timeout = RunnerKind.timeoutSeconds(
            for: job.payload, fallback: settings.defaultTimeoutSeconds, maximum: settings.maxTimeoutSeconds)
        // Deny before anything touches the disk or spawns.
        if RunnerKind.requestsURLInputs(job.payload) { throw .denied("URL inputs are disabled on this miner") }
        let command = kind == .cli ? try cliCommand(for: job.payload) : nil
        if command != nil, let failure = confinement.failure { throw .runtime("sandbox unavailable: \(failure)") }
        if Task.isCancelled { throw .shutdown }
        // Only commands run as a job user; built-ins run in the miner itself.
        var lease: JobUserPool.Lease?
        if command != nil, let jobUsers {
            guard let leased = jobUsers.acquire() else { throw .runtime("every job uid is in use (more jobs than slots)") }
            lease = leased
        }
        defer { if let lease { jobUsers?.release(lease) } }
        // Creating (and, for a reused id, emptying) the workspace touches the disk: off the pool.
        let root = settings.workspaceRoot
        let jobID = job.jobID
        let input = RunnerKind.inlineInput(of: job.payload)
        let range = confinement.jobUsers
        let owner = lease
        let workspace = try await BlockingWork.run(name: "miner-prepare") { () throws(ExecutionFailure) -> JobWorkspace in
            let workspace = try JobWorkspace.prepare(root: root, jobID: jobID, jobUsers: range)
            if let input { try workspace.writeInput(input) }
            if let owner { try workspace.grant(to: owner, inputNames: ["input.txt"]) }
            return workspace
        }
        switch kind {
        case .echo:
            return ["echo": job.payload]
        case .sha256:
            return try BuiltInRunners.sha256(job.payload)
        case .sleep:
            return try await BuiltInRunners.sleep(job.payload, timeoutSeconds: timeout)
        case .cli:
            guard let command else { throw .denied("cli runner disabled") }
            do {
                let result = try await runCLI(command, jobID: jobID, workspace: workspace, user: lease, timeout: timeout, context: context, metering: &metering)
                if lease != nil { try await BlockingWork.run(name: "miner-seal") { () throws(ExecutionFailure) in try workspace.seal() } }
                return result
            } catch {
                // The job's processes are gone (the reaper reported, or its namespace died): take the folder back.
                if lease != nil { _ = await BlockingWork.result(name: "miner-seal") { () throws(ExecutionFailure) in try workspace.seal() } }
                throw error
            }
        case .ollamaGenerate:
            metering.isTokenBilled = true
            return try await BuiltInRunners.generate(job.payload, client: ollama, timeoutSeconds: timeout, metering: &metering)
        }
    }
}
