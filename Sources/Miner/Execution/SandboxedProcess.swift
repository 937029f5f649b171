import CLinuxShims
import Foundation
import Glibc
import Synchronization

/// Runs one command in the job sandbox (spec/miner.md §8) and supervises it on a thread of
/// its own: streams stdout/stderr into capped logs, enforces the deadline (SIGTERM to the
/// group, SIGKILL after the grace period), honours cancellation the same way.
///
/// The C side (`clinux_sandbox_spawn`) forks a reaper that forks the command into its own
/// process group; the reaper reaps every orphan of that group and reports the command's
/// status and CPU time over a pipe once the group is gone.
enum SandboxedProcess {
    /// What to run and under which limits.
    struct Request: Sendable {
        var path: String
        var arguments: [String]
        var environment: [String]
        var workingDirectory: String
        /// Holds `stdout.log` and `stderr.log`.
        var logDirectory: String
        var logCapBytes: Int
        var timeoutSeconds: Int
        var killGraceSeconds: Int
        var niceLevel: Int32
        var ioPriorityLevel: Int32
        var addressSpaceBytes: Int64
        var fileSizeBytes: Int64
        var maxOpenFiles: Int64
        var maxProcesses: Int64
        /// RLIMIT_CPU in seconds; 0 keeps the inherited limit.
        var cpuSeconds: Int64 = 0
        /// Job directory whose `output/` is listed and hashed after a successful run; nil: none.
        var artifactJobDirectory: String? = nil
        /// Most bytes hashed over all artifacts of the job; files past it are listed unhashed.
        var maxHashedBytes: Int = 0
        /// Run the reaper as PID 1 of a new PID namespace.
        var pidNamespace = false
        /// Landlock ABI to confine the command with; 0: none.
        var landlockABI: Int32 = 0
        /// Under Landlock: read and execute beneath these.
        var landlockReadPaths: [String] = []
        /// Under Landlock: every access beneath these.
        var landlockWritePaths: [String] = []
        /// The uid/gid the command runs as; nil: the miner's.
        var jobUser: JobUserPool.Lease? = nil
        /// The job's id, named in the log of each orphan the miner kills (`OrphanSweeper`).
        var jobID: String? = nil
    }

    /// How the command ended.
    enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// Why the supervisor signalled the group, if it did.
    enum Stop: Equatable, Sendable {
        case none, timeout, cancelled
    }

    /// Everything known after the group is gone.
    struct Result: Sendable {
        var termination: Termination
        var stop: Stop
        var execErrno: Int32
        var cpuSeconds: Double
        var maxRSSKilobytes: Int
        var stdoutTail: [UInt8]
        var logFailure: String?
        /// The reaper died before reporting the command's status (the supervisor then killed
        /// the command's group itself); termination and CPU time are unknown.
        var supervisorLost: Bool
        /// What `output/` held after a successful run (see `Request.artifactJobDirectory`).
        var artifacts: [ArtifactScanner.Artifact]
    }

    /// Set by the task's cancellation handler, read by the supervisor thread.
    final class CancelFlag: Sendable {
        let requested = Atomic<Bool>(false)
    }

    /// Spawns and supervises the command; `onSpawn(pid, pgid)` runs on the supervisor thread
    /// as soon as the command exists. Cancelling the task stops the group and returns `.cancelled`.
    /// - Throws: `ExecutionFailure.io` (logs), `.runtime` (pipes, fork).
    static func run(_ request: Request, onSpawn: @escaping @Sendable (Int32, Int32) -> Void) async throws(ExecutionFailure) -> Result {
        let flag = CancelFlag()
        // waitpid, poll and pipe reads block: a dedicated thread, never the cooperative pool.
        let outcome: Swift.Result<Result, ExecutionFailure> = await withTaskCancellationHandler {
            await BlockingWork.result(name: "miner-job") { () throws(ExecutionFailure) -> Result in
                try supervise(request, flag: flag, onSpawn: onSpawn)
            }
        } onCancel: {
            flag.requested.store(true, ordering: .releasing)
        }
        return try outcome.get()
    }
}
