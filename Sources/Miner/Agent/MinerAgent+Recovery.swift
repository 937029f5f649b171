import Synchronization
import Foundation
import Glibc
import Logging

extension MinerAgent {
    /// Reconciles `<workspace_root>/*/state.json` after a restart (spec §9): a job that was
    /// running when the miner died has its process group killed (SIGKILL) if it still exists and
    /// is reported `E_MINER_RESTART`; a persisted report is queued to be sent again; finished
    /// jobs are left for retention.
    func recover() async {
        let records = await BlockingWork.value(name: "miner-state-io") { [store] in store.scan() }
        for var record in records where !record.state.isFinished {
            var jobLogger = logger
            jobLogger[metadataKey: "job_id"] = .string(record.jobID)
            switch record.state {
            case .assigned, .running:
                let killed = record.processGroup.map { Self.killGroup($0, recorded: record.processIdentity) } ?? false
                record.state = .reporting
                record.pendingReport = .failure(
                    .minerRestart, message: "the miner restarted while the job was running", metrics: Self.zeroMetrics())
                await persist(record, logger: jobLogger)
                jobLogger.warning("job_recovered", metadata: ["previous_state": "RUNNING", "group_killed": "\(killed)"])
            case .reporting:
                if record.pendingReport == nil {
                    record.pendingReport = .failure(.minerRestart, message: "report lost across a restart", metrics: Self.zeroMetrics())
                    await persist(record, logger: jobLogger)
                }
                jobLogger.info("job_recovered", metadata: ["previous_state": "REPORTING"])
            case .done, .failed, .abandoned, .stopped:
                continue
            }
            if let report = record.pendingReport {
                state.withLock { $0.redelivery[record.jobID] = report }
            }
        }
    }

    /// SIGKILLs process group `processGroup` when it still exists and its leader is the process
    /// recorded (same boot, same start time); never our own group or init's, and nothing
    /// without a recorded identity — a reused number is somebody else's group.
    static func killGroup(_ processGroup: Int32, recorded: ProcessIdentity?) -> Bool {
        guard processGroup > 1, processGroup != getpgrp(), let recorded else { return false }
        guard kill(-processGroup, 0) == 0, ProcessIdentity.of(pid: processGroup) == recorded else { return false }
        return kill(-processGroup, SIGKILL) == 0
    }
}
