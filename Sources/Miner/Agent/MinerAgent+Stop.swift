import Logging
import Synchronization

extension MinerAgent {
    /// What the log says a stop was for.
    static let stopReason = "canceled_by_coordinator"

    /// Stops the held jobs a heartbeat answer names (`stop_jobs`): the coordinator no longer
    /// counts this miner's work on them (canceled, expired, failed, reassigned), so a running
    /// one is cancelled at once (the executor kills its process group: SIGTERM, then SIGKILL
    /// after the grace), and no report is sent — an undelivered one is dropped. Ids this miner
    /// does not hold are ignored. The coordinator never names a job this miner completed.
    func stopJobs(_ ids: [String]) async {
        guard !ids.isEmpty else { return }
        let (running, dropped) = state.withLock { state -> ([Task<JobOutcome, Never>], [String]) in
            var running: [Task<JobOutcome, Never>] = []
            var dropped: [String] = []
            for id in Set(ids) where state.held.contains(id) || state.redelivery[id] != nil {
                if state.redelivery[id] != nil, state.executions[id] == nil {
                    state.redelivery.removeValue(forKey: id)
                    if state.redelivering == id {
                        // Being submitted now: the round ends it after the answer, so its own
                        // write of state.json cannot land after (and undo) this stop.
                        state.stopped.insert(id)
                    } else {
                        // Only a deferred report is left: drop it here.
                        dropped.append(id)
                    }
                    continue
                }
                // Running, or between its end and its report: `runJob` / `deliver` see the mark.
                guard state.stopped.insert(id).inserted else { continue }
                if let execution = state.executions[id] { running.append(execution) }
            }
            return (running, dropped)
        }
        running.forEach { $0.cancel() }
        for jobID in dropped.sorted() {
            var jobLogger = logger
            jobLogger[metadataKey: "job_id"] = .string(jobID)
            let record = await BlockingWork.value(name: "miner-state-io") { [store] in store.read(jobID: jobID) }
            await finishStopped(jobID: jobID, record: record, logger: jobLogger)
        }
    }

    /// Ends a stopped job: persisted as STOPPED without a pending report (so no restart sends
    /// one), no longer held, counted and logged as `job_stopped`. Its folder goes with retention.
    func finishStopped(jobID: String, record: JobStateRecord?, logger: Logger) async {
        var record = record
        record?.state = .stopped
        record?.pendingReport = nil
        await persist(record, logger: logger)
        state.withLock { state in
            state.stopped.remove(jobID)
            state.redelivery.removeValue(forKey: jobID)
            state.held.remove(jobID)
        }
        MinerMetrics.jobStopped()
        logger.warning("job_stopped", metadata: ["reason": "\(Self.stopReason)"])
    }
}
