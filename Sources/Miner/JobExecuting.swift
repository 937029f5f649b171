public import JSON
public import WireModels

// The seam between the control loop (Sources/Miner/Agent) and job execution
// (Sources/Miner/Execution): the loop claims and reports jobs, an executor runs them.

/// Stable failure codes a miner reports in `POST /v1/miners/{job_id}/fail` (`error_code`).
public enum MinerErrorCode: String, Sendable, CaseIterable {
    /// The job's workspace could not be made (kept for coordinators that know the code; ids
    /// themselves are checked when the poll answer is decoded).
    case invalidJob = "E_INVALID_JOB"
    /// Runner, tool or argument not allowed; nothing was spawned.
    case deny = "E_DENY"
    /// `payload.type` names no runner this miner has.
    case unsupported = "E_UNSUPPORTED"
    /// Ran past its time limit; its process group was killed.
    case timeout = "E_TIMEOUT"
    /// Killed for memory (RLIMIT_AS or the OOM killer).
    case outOfMemory = "E_OOM"
    /// Exited non-zero.
    case processFailed = "E_PROCESS_FAILED"
    /// The requested model is not installed on this host.
    case modelUnavailable = "E_MODEL_UNAVAILABLE"
    /// The runner itself failed (I/O, spawn, protocol error).
    case runtime = "E_RUNTIME"
    /// The miner shut down before the job finished.
    case shutdown = "E_SHUTDOWN"
    /// The miner died while the job ran; found by recovery on the next start.
    case minerRestart = "E_MINER_RESTART"
}

/// How one job ended. `metrics` always carries `duration_ms`, `units` and `unit_type`
/// (spec §2: the coordinator bills from them).
public enum JobOutcome: Sendable, Equatable {
    /// Finished; `result` goes to the coordinator as the job's result.
    case completed(result: JSONValue, metrics: JSONValue)
    /// Failed with a stable code and a human-readable message.
    case failed(code: MinerErrorCode, message: String, metrics: JSONValue)
}

/// What the loop tells the executor about one job.
public struct ExecutionContext: Sendable {
    /// GPU indices assigned to this job (exported as `CUDA_VISIBLE_DEVICES`); empty on CPU.
    public var gpuIndices: [Int]
    /// Called once when the job's child process exists, before the executor waits for it,
    /// so the loop can record `pid`/`pgid` in the job's state.json (crash recovery kills the
    /// group after a miner crash).
    public var onSpawn: @Sendable (_ pid: Int32, _ processGroup: Int32) -> Void

    /// Creates a context.
    public init(gpuIndices: [Int] = [], onSpawn: @escaping @Sendable (_ pid: Int32, _ processGroup: Int32) -> Void = { _, _ in }) {
        self.gpuIndices = gpuIndices
        self.onSpawn = onSpawn
    }
}

/// Runs jobs. Implementations never throw: every problem becomes `.failed` with a code.
///
/// Cancelling the calling task means "shut down now": the executor kills the job's process
/// group (SIGTERM, SIGKILL after the grace period) and returns `.failed(.shutdown, …)`.
public protocol JobExecuting: Sendable {
    /// Runner names advertised in `capabilities.runners`.
    var runnerNames: [String] { get }
    /// Runs `job` (WireModels' poll answer; its `JobID` is a safe directory name) to an outcome.
    func execute(_ job: AssignedJob, context: ExecutionContext) async -> JobOutcome
}
