import Glibc

/// Why a job did not complete; the executor maps each case to one `MinerErrorCode` once.
enum ExecutionFailure: Error, Equatable, CustomStringConvertible {
    /// Job id unusable as a directory name.
    case invalidJob(String)
    /// Refused before anything was spawned.
    case denied(String)
    /// No such runner.
    case unsupported(String)
    /// Past its time limit.
    case timedOut(seconds: Int)
    /// Killed for memory.
    case outOfMemory(String)
    /// Exited non-zero or died by a signal.
    case processFailed(String)
    /// Model not installed.
    case modelUnavailable(String)
    /// A file operation failed.
    case io(path: String, errno: Int32)
    /// The runner failed otherwise.
    case runtime(String)
    /// The task was cancelled (miner shutdown).
    case shutdown

    /// The wire code for this failure.
    var code: MinerErrorCode {
        switch self {
        case .invalidJob: .invalidJob
        case .denied: .deny
        case .unsupported: .unsupported
        case .timedOut: .timeout
        case .outOfMemory: .outOfMemory
        case .processFailed: .processFailed
        case .modelUnavailable: .modelUnavailable
        case .io, .runtime: .runtime
        case .shutdown: .shutdown
        }
    }

    var description: String {
        switch self {
        case .invalidJob(let message), .denied(let message), .unsupported(let message), .outOfMemory(let message),
            .processFailed(let message), .modelUnavailable(let message), .runtime(let message):
            message
        case .timedOut(let seconds): "job exceeded its time limit of \(seconds) s"
        case .io(let path, let code): "\(path): \(String(cString: strerror(code)))"
        case .shutdown: "miner shut down before the job finished"
        }
    }
}
