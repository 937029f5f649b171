import Cryptography
import Foundation
import JSON
import Logging
import Receipts
import Synchronization
import WireModels

extension MinerAgent {
    /// One job slot: polls while not draining, runs each job it gets, delivers its report.
    /// Slots past `max_concurrent_cpu` are GPU slots and get one GPU index each (round robin).
    func pollWorker(slot: Int) async {
        let cpuSlots = configuration.maxConcurrentCPU
        let gpus = gpuCount > 0 && slot >= cpuSlots ? [(slot - cpuSlots) % gpuCount] : []
        let stopping: (State) -> Bool = { $0.draining || $0.fatal }
        var failures = 0
        while !state.withLock({ stopping($0) }) {
            guard state.withLock({ $0.registered }) else {
                await pause(configuration.pollInterval, wake: stopping)
                continue
            }
            switch await poll(slot: slot) {
            case .job(let job):
                failures = 0
                if state.withLock({ stopping($0) }) {
                    // Answered after the drain began (the cancel lost the race): not run and not
                    // held, so the next heartbeat's `jobs` list leaves it out and the coordinator
                    // requeues it.
                    logger.warning("job_refused_draining", metadata: ["job_id": "\(job.jobID)"])
                    continue
                }
                await runJob(job, gpus: gpus)
            case .malformed(let reason):
                failures = 0
                logger.warning("poll_invalid_job", metadata: ["reason": "\(reason)"])
                await pause(configuration.pollInterval, wake: stopping)
            case .noJob:
                failures = 0
                await pause(configuration.pollInterval, wake: stopping)
            case .failed(.rejected(404, _, _)):
                await reregister()
                // Even when re-registering succeeds at once, never spin on a coordinator that keeps answering 404.
                let delay = configuration.backoff.delay(attempt: failures)
                failures += 1
                await pause(delay, wake: stopping)
            case .failed(let reply):
                let delay = configuration.backoff.delay(attempt: failures)
                failures += 1
                logger.debug(
                    "poll_failed",
                    metadata: [
                        "reason": "\(reply.label)", "retry_in_s": "\(Backoff.logText(delay))",
                        "error_message": "\(client.explain(reply, path: "/miners/poll"))",
                    ])
                await pause(delay, wake: stopping)
            }
        }
    }

    /// One poll in a task of its own that a drain can cancel (`State.polls`).
    func poll(slot: Int) async -> CoordinatorLink.PollReply {
        let task = Task { [client, configuration] in await client.poll(maxWaitSeconds: configuration.pollMaxWaitSeconds) }
        let cancelNow = state.withLock { state in
            state.polls[slot] = task
            return state.draining || state.fatal
        }
        if cancelNow { task.cancel() }
        let reply = await task.value
        _ = state.withLock { $0.polls.removeValue(forKey: slot) }
        return reply
    }

    /// Runs one job through the executor with its state persisted at each step, then delivers the report.
    func runJob(_ job: AssignedJob, gpus: [Int]) async {
        let jobID = job.jobID.rawValue
        var jobLogger = logger
        jobLogger[metadataKey: "job_id"] = .string(jobID)
        let runner = job.payload["type"]?.stringValue ?? job.payload["runner"]?["kind"]?.stringValue ?? "echo"
        jobLogger.info("job_assigned", metadata: ["runner": "\(runner)", "gpus": "\(gpus)"])
        state.withLock { state in
            state.held.insert(jobID)
            // A new assignment of the same job supersedes an undelivered report of an earlier
            // one (it would otherwise settle, or fail, the new attempt).
            state.redelivery.removeValue(forKey: jobID)
            state.stopped.remove(jobID)
        }
        adjustInflight(by: 1)
        let record = Mutex(JobStateRecord(jobID: jobID, state: .running, runner: runner, startedAt: Self.nowMilliseconds()))
        await persist(record.withLock { $0 }, logger: jobLogger)
        jobLogger.info("job_started")
        let started = ContinuousClock.now
        let spawnLogger = jobLogger
        let context = ExecutionContext(gpuIndices: gpus) { [self] pid, processGroup in
            let updated = record.withLock { record in
                record.pid = pid
                record.processGroup = processGroup
                record.processIdentity = ProcessIdentity.of(pid: processGroup)
                return record
            }
            // The supervisor thread calls this, off the cooperative pool: write in place.
            persistNow(updated, logger: spawnLogger)
        }
        let execution = Task { [executor] in await executor.execute(job, context: context) }
        let cancelNow: Bool = state.withLock { state in
            state.executions[jobID] = execution
            // A stop that came before the execution was registered cancels it here.
            return state.fatal || state.drainExpired || state.stopped.contains(jobID)
        }
        if cancelNow { execution.cancel() }
        let outcome = await execution.value
        let stopped = state.withLock { state in
            state.executions.removeValue(forKey: jobID)
            return state.stopped.contains(jobID)
        }
        if stopped {
            // The coordinator already settled the job: whatever the execution ended with is not reported.
            adjustInflight(by: -1)
            await finishStopped(jobID: jobID, record: record.withLock { $0 }, logger: jobLogger)
            return
        }
        let elapsed = ContinuousClock.now - started
        let report = makeReport(jobID: jobID, outcome: outcome, elapsed: elapsed, gpus: gpus)
        var reporting = record.withLock { $0 }
        reporting.state = .reporting
        reporting.pendingReport = report
        await persist(reporting, logger: jobLogger)
        adjustInflight(by: -1)
        switch outcome {
        case .completed(_, let metrics):
            MinerMetrics.jobFinished(outcome: "completed")
            jobLogger.info("job_finished", metadata: ["duration_ms": "\(metrics["duration_ms"]?.int64Value ?? Self.milliseconds(elapsed))"])
        case .failed(let code, let message, _):
            MinerMetrics.jobFinished(outcome: "failed")
            jobLogger.warning("job_failed", metadata: ["error_code": "\(code.rawValue)", "message": "\(message)"])
        }
        await deliver(jobID: jobID, report: reporting.pendingReport ?? report, record: reporting, logger: jobLogger)
    }

    /// Builds the result or failure body; results get the billing metrics the coordinator
    /// needs (spec §2: `duration_ms`, `units`, `unit_type`) when the executor left them out,
    /// and a signed work claim when the miner has a key.
    func makeReport(jobID: String, outcome: JobOutcome, elapsed: Duration, gpus: [Int]) -> PendingReport {
        let measuredMilliseconds = max(1, Self.milliseconds(elapsed))
        switch outcome {
        case .failed(let code, let message, let metrics):
            var members = Self.members(of: metrics)
            if !members.contains(where: { $0.key == "duration_ms" }) {
                members.append(JSONMember(key: "duration_ms", value: .integer(JSONInteger(measuredMilliseconds))))
            }
            return .failure(code, message: message, metrics: .object(members))
        case .completed(let result, let metrics):
            // The coordinator requires `result` to be an object.
            let resultObject: JSONValue = if case .object = result { result } else { ["output": result] }
            var members = Self.members(of: metrics)
            func has(_ key: String) -> Bool { members.contains { $0.key == key } }
            if !has("duration_ms") { members.append(JSONMember(key: "duration_ms", value: .integer(JSONInteger(measuredMilliseconds)))) }
            let seconds = Double(measuredMilliseconds) / 1000
            if !has("units") { members.append(JSONMember(key: "units", value: .float(seconds * Double(max(1, gpus.count))))) }
            if !has("unit_type") { members.append(JSONMember(key: "unit_type", value: .string(gpus.isEmpty ? "cpu_seconds" : "gpu_seconds"))) }
            let finalMetrics = JSONValue.object(members)
            var body: [JSONMember] = [JSONMember(key: "result", value: resultObject), JSONMember(key: "metrics", value: finalMetrics)]
            if let key,
                let claim = workClaim(
                    jobID: jobID, result: resultObject, metrics: finalMetrics, fallbackMilliseconds: measuredMilliseconds,
                    payout: configuration.payoutAddress(signingKey: key.publicKey)),
                let signature = try? claim.sign(with: key)
            {
                body.append(JSONMember(key: "claim", value: claim.json))
                body.append(JSONMember(key: "claim_signature", value: signature.json))
            }
            return PendingReport(kind: .result, body: .object(body))
        }
    }

    /// The work claim for a result, using the coordinator's id for this miner; `payout` is
    /// named explicitly even when it is the key's own address, so the receipt says where the AIT goes.
    func workClaim(jobID: String, result: JSONValue, metrics: JSONValue, fallbackMilliseconds: Int64, payout: AccountAddress) -> WorkClaim? {
        guard let hash = try? WorkClaim.resultHash(of: result) else { return nil }
        let units = metrics["units"]?.doubleValue ?? 0
        guard units.isFinite else { return nil }
        return WorkClaim(
            jobID: jobID, minerID: minerID, resultHash: hash, units: units,
            unitType: metrics["unit_type"]?.stringValue ?? "cpu_seconds",
            durationMilliseconds: metrics["duration_ms"]?.int64Value ?? fallbackMilliseconds,
            completedAt: Self.nowMilliseconds() / 1000, payoutAddress: payout.description)
    }

    func adjustInflight(by delta: Int) {
        let now = state.withLock { state in
            state.inflight += delta
            return state.inflight
        }
        MinerMetrics.inflight(now)
    }

    /// Writes `record` on a thread of its own (fsync never blocks the pool), logging (not failing) when the disk refuses:
    /// the report still goes out.
    func persist(_ record: JobStateRecord?, logger: Logger) async {
        guard let record else { return }
        await BlockingWork.value(name: "miner-state-io") { [self] in persistNow(record, logger: logger) }
    }

    /// Writes `record` on the calling thread; only for callers off the cooperative pool.
    func persistNow(_ record: JobStateRecord, logger: Logger) {
        do {
            try store.write(record)
        } catch {
            logger.error("state_write_failed", metadata: ["reason": "\(error)"])
        }
    }

    static func members(of metrics: JSONValue) -> [JSONMember] {
        if case .object(let members) = metrics { return members }
        return []
    }

    static func zeroMetrics() -> JSONValue { ["duration_ms": 0] }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
