/// How a `JobExecutor` runs jobs (spec/miner.md §6, §8). The control loop maps its
/// configuration onto these; every default is the spec's.
public struct ExecutorSettings: Sendable {
    /// Directory holding one `<job_id>/` workspace per job.
    public var workspaceRoot: String
    /// Whether the `cli` runner accepts jobs at all.
    public var cliEnabled: Bool
    /// Allowlist YAML files (`allowlist.d/*.yaml`), one tool each.
    public var allowlistFiles: [String]
    /// Base URL of the local Ollama server.
    public var ollamaURL: String
    /// `setpriority` value for job processes.
    public var niceLevel: Int32
    /// Best-effort I/O priority level 0...7 (`ionice -c2 -n<level>`).
    public var ioPriorityLevel: Int32
    /// RLIMIT_AS in MiB; nil leaves it unlimited.
    public var memorySoftMB: Int?
    /// RLIMIT_FSIZE in MiB (a tool's `max_output_mb` may lower it).
    public var maxOutputMB: Int
    /// Cap on each of `logs/stdout.log` and `logs/stderr.log`; the tail is kept.
    public var logCapBytes: Int
    /// `timeout_s` when a payload has none.
    public var defaultTimeoutSeconds: Int
    /// Largest accepted `timeout_s`; larger values are clamped.
    public var maxTimeoutSeconds: Int
    /// Seconds between SIGTERM and SIGKILL to a job's process group.
    public var killGraceSeconds: Int
    /// GPUs on this host (for units of GPU jobs).
    public var gpuCount: Int
    /// RLIMIT_NPROC for job processes (counts every thread of the miner's user).
    public var maxProcesses: Int
    /// RLIMIT_NOFILE for job processes.
    public var maxOpenFiles: Int
    /// Most bytes of `output/` hashed per job; files past it are reported with their size and
    /// no hash. nil: the job's output cap (`maxOutputMB`, lowered by the tool's `max_output_mb`).
    public var maxHashedBytes: Int?
    /// Kernel confinement and the job users (docs/miner.md "Sandbox confinement").
    public var sandbox: SandboxSettings
    /// Jobs that may run at once (the job-user range needs one uid per slot).
    public var jobSlots: Int

    /// Settings with the spec's defaults; only the workspace root is required.
    public init(
        workspaceRoot: String, cliEnabled: Bool = true, allowlistFiles: [String] = [],
        ollamaURL: String = "http://127.0.0.1:11434", niceLevel: Int32 = 10, ioPriorityLevel: Int32 = 6,
        memorySoftMB: Int? = nil, maxOutputMB: Int = 5000, logCapBytes: Int = 10 * 1024 * 1024,
        defaultTimeoutSeconds: Int = 600, maxTimeoutSeconds: Int = 7200, killGraceSeconds: Int = 5, gpuCount: Int = 0,
        maxProcesses: Int = 256, maxOpenFiles: Int = 1024, maxHashedBytes: Int? = nil, sandbox: SandboxSettings = SandboxSettings(),
        jobSlots: Int = 1
    ) {
        self.sandbox = sandbox
        self.jobSlots = max(1, jobSlots)
        self.workspaceRoot = workspaceRoot
        self.cliEnabled = cliEnabled
        self.allowlistFiles = allowlistFiles
        self.ollamaURL = ollamaURL
        self.niceLevel = niceLevel
        self.ioPriorityLevel = ioPriorityLevel
        self.memorySoftMB = memorySoftMB
        self.maxOutputMB = maxOutputMB
        self.logCapBytes = logCapBytes
        self.defaultTimeoutSeconds = defaultTimeoutSeconds
        self.maxTimeoutSeconds = maxTimeoutSeconds
        self.killGraceSeconds = killGraceSeconds
        self.gpuCount = gpuCount
        self.maxProcesses = maxProcesses
        self.maxOpenFiles = maxOpenFiles
        self.maxHashedBytes = maxHashedBytes
    }
}
