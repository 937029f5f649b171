import CLinuxShims
import Foundation
import Glibc
public import Logging
import ServiceRuntime
import Synchronization

/// The miner as a child subreaper: the confinement layer that holds whatever else the host
/// lacks (issue #10, defect 5; docs/miner.md "Sandbox confinement").
///
/// A job that kills its reaper (same uid, no PID namespace, no Landlock signal scope) leaves
/// its processes orphaned. With `PR_SET_CHILD_SUBREAPER` they are reparented to the miner, not
/// to init, and this sweeper SIGKILLs and reaps every child of the miner that the miner did
/// not spawn itself (`SpawnRegistry`), then the children those leave behind, until none is
/// left. It sweeps right after each job's reaper has been reaped (when its orphans have
/// arrived) and every `interval`.
///
/// One per process, because being a subreaper is a property of the process; inert until
/// `enable` (the daemon calls it; tests that share one process with other tests do not).
public final class OrphanSweeper: Sendable {
    /// The sweeper of this process.
    public static let shared = OrphanSweeper()

    /// Why the miner could not become a child subreaper.
    public struct EnableError: Error, CustomStringConvertible {
        /// What prctl(2) said.
        public let errno: Int32
        public var description: String { "prctl(PR_SET_CHILD_SUBREAPER): \(String(cString: strerror(errno)))" }
    }

    private struct Job {
        var id: String?
        /// When its reaper was reaped; nil while it runs.
        var ended: ContinuousClock.Instant?
    }

    private struct State {
        /// nil until enabled.
        var logger: Logger?
        /// Jobs by reaper pid. The reaper starts its own session, so every process of the job
        /// that did not `setsid()` again has the reaper's pid as its session id.
        var jobs: [Int32: Job] = [:]
        /// Orphans signalled but not reaped yet (stuck in the kernel): never counted twice.
        var signalled: Set<Int32> = []
    }

    private let state = Mutex(State())
    private let killed = Atomic<Int>(0)
    /// Orphans killed since start (also the `miner_orphans_killed_total` counter).
    public var killedCount: Int { killed.load(ordering: .relaxed) }

    /// Rounds of one sweep: each kills the miner's unknown children; their own children arrive
    /// for the next. Deeper trees are finished by the next sweep.
    static let maxRounds = 64
    /// How long one sweep waits for the processes it killed to be reapable (a SIGKILLed
    /// process with much memory takes a while to tear down); stragglers: the next sweep.
    static let reapBudget = Duration.seconds(2)
    /// How long an ended job stays known, to name the job of orphans found late.
    static let jobMemory = Duration.seconds(30)

    /// Whether `enable` has run.
    public var isEnabled: Bool { state.withLock { $0.logger != nil } }

    /// Whether the kernel treats this process as a child subreaper (PR_GET_CHILD_SUBREAPER).
    static var processIsChildSubreaper: Bool { clinux_is_child_subreaper() == 1 }

    /// Makes this process a child subreaper and starts sweeping every `interval` on a thread
    /// of its own. A second call only replaces the logger.
    /// - Throws: `EnableError` when prctl fails (kernels before 3.4).
    public func enable(interval: Duration, logger: Logger) throws(EnableError) {
        let code = clinux_set_child_subreaper(1)
        guard code == 0 else { throw EnableError(errno: code) }
        let first = state.withLock { state in
            defer { state.logger = logger }
            return state.logger == nil
        }
        guard first else { return }
        let pause = max(0.01, Backoff.seconds(interval))
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: pause)
                sweep(job: nil)
            }
        }
        thread.name = "miner-orphans"
        thread.start()
    }

    /// Remembers which job `reaper` runs, to name it in the logs of its orphans.
    func jobStarted(reaper: Int32, jobID: String?) {
        state.withLock { state in
            guard state.logger != nil else { return }
            state.jobs[reaper] = Job(id: jobID, ended: nil)
        }
    }

    /// Sweeps once `reaper` has been reaped: its orphans have arrived by then.
    func jobEnded(reaper: Int32) {
        let (enabled, id) = state.withLock { state -> (Bool, String?) in
            guard state.logger != nil else { return (false, nil) }
            state.jobs[reaper]?.ended = .now
            return (true, state.jobs[reaper]?.id)
        }
        if enabled { sweep(job: id) }
    }

    /// Kills and reaps every child of this process that it did not spawn itself, and their
    /// children in turn; returns how many it killed. No-op until enabled.
    @discardableResult
    func sweep(job: String?) -> Int {
        guard let logger = state.withLock({ $0.logger }) else { return 0 }
        // The spawn lock is held throughout: no child is spawned (and so none is mistaken for
        // an orphan) while the sweep looks.
        let count = SpawnRegistry.sweeping { isRegistered in
            var count = 0
            var jobsSeen: Set<String> = []
            for _ in 0..<Self.maxRounds {
                let children = ProcessTable.ownChildren()
                let orphans = children.filter { !isRegistered($0.pid) }
                if orphans.isEmpty { break }
                let (fresh, names) = signal(orphans, children: children, job: job, jobsSeen: jobsSeen, logger: logger)
                count += fresh
                jobsSeen.formUnion(names)
                let reaped = reap(orphans.map(\.pid))
                // Only processes stuck in the kernel are left: the next sweep tries again.
                if fresh == 0 && reaped == 0 { break }
            }
            return count
        }
        state.withLock { state in
            let now = ContinuousClock.now
            state.jobs = state.jobs.filter { $0.value.ended.map { now - $0 < Self.jobMemory } ?? true }
        }
        return count
    }

    /// SIGKILLs each orphan and logs the ones not signalled before; their number and jobs.
    private func signal(
        _ orphans: [ProcessTable.Entry], children: [ProcessTable.Entry], job: String?, jobsSeen: Set<String>, logger: Logger
    ) -> (Int, Set<String>) {
        state.withLock { state in
            let now = ContinuousClock.now
            // Only a job whose reaper died can leave orphans here (a live reaper adopts them).
            let deadReapers = Set(
                state.jobs.compactMap { reaper, known -> String? in
                    let zombie = children.contains { $0.pid == reaper && $0.isZombie }
                    let recent = known.ended.map { now - $0 < Self.jobMemory } ?? false
                    return zombie || recent ? known.id ?? "" : nil
                })
            var fresh = 0
            var names: Set<String> = []
            for orphan in orphans {
                // A zombie (e.g. the job's command, killed by its supervisor) only needs reaping.
                if orphan.isZombie { continue }
                kill(orphan.pid, SIGKILL)
                guard state.signalled.insert(orphan.pid).inserted else { continue }
                // Its own session names its job exactly; else the job this sweep is for, else
                // the job of the orphans killed before it in this sweep, else the only job
                // whose reaper died.
                let candidate = state.jobs[orphan.session].map { $0.id ?? "" } ?? job
                    ?? (jobsSeen.count == 1 ? jobsSeen.first : nil) ?? (deadReapers.count == 1 ? deadReapers.first : nil)
                let owner = candidate.flatMap { $0.isEmpty ? nil : $0 }
                if let owner { names.insert(owner) }
                fresh += 1
                killed.add(1, ordering: .relaxed)
                MinerMetrics.orphanKilled()
                var metadata: Logger.Metadata = ["pid": "\(orphan.pid)", "command": "\(orphan.command)"]
                if let owner { metadata["job_id"] = "\(owner)" }
                logger.warning("orphan_killed", metadata: metadata)
            }
            return (fresh, names)
        }
    }

    /// Reaps each of `pids` by pid, never waitpid(-1): that would take the exit statuses that
    /// `ChildProcess` and the job supervisors wait for. Polls (WNOHANG on these pids only) for
    /// at most `reapBudget`; returns how many it reaped.
    private func reap(_ pids: [Int32]) -> Int {
        var pending = Set(pids)
        let deadline = ContinuousClock.now + Self.reapBudget
        var pause: UInt32 = 100
        while true {
            for pid in pending {
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                // ECHILD: not (any more) a child of ours; nothing to reap.
                if result == pid || (result < 0 && errno == ECHILD) { pending.remove(pid) }
            }
            if pending.isEmpty || ContinuousClock.now >= deadline { break }
            usleep(pause)
            pause = min(pause * 2, 10_000)
        }
        state.withLock { state in state.signalled.subtract(Set(pids).subtracting(pending)) }
        return pids.count - pending.count
    }
}
