import Synchronization
import Logging

extension MinerAgent {
    /// What a submission reply means for the report.
    enum Delivery: Equatable {
        /// Accepted (or already accepted: an exact replay answers 200, a settled job 409).
        case delivered
        /// The coordinator will never take it: any 4xx but 401, 408, 409, 425 and 429 (404 job gone,
        /// 403 another miner's, 422 a body or claim it refuses, 400/413 malformed or too large).
        case abandoned
        /// Try again later.
        case retry
    }

    static func delivery(of reply: CoordinatorReply) -> Delivery {
        switch reply {
        case .ok, .noContent: .delivered
        case .rejected(409, _, _): .delivered
        case .rejected(401, _, _): .retry
        case _ where reply.isTransient: .retry
        case .rejected: .abandoned
        case .unreachable: .retry
        }
    }

    /// Submits `report` up to `reportBurstAttempts` times with backoff (spec §5 rule 4); when the
    /// burst runs out it stays persisted as REPORTING and joins the redelivery queue.
    func deliver(jobID: String, report: PendingReport, record: JobStateRecord?, logger: Logger) async {
        var record = record
        for attempt in 0..<Self.reportBurstAttempts {
            // Past the drain deadline one attempt is made (the E_SHUTDOWN reports of cancelled
            // jobs); after that the report stays in state.json for the next start.
            if state.withLock({ $0.fatal || (attempt > 0 && $0.drainExpired) }) { break }
            if state.withLock({ $0.stopped.contains(jobID) }) {
                await finishStopped(jobID: jobID, record: record, logger: logger)
                return
            }
            let reply = await client.submit(jobID: jobID, report: report)
            let delivery = Self.delivery(of: reply)
            if delivery != .retry {
                await settle(jobID: jobID, report: report, record: record, delivery: delivery, reply: reply, logger: logger)
                return
            }
            record?.attempts += 1
            await persist(record, logger: logger)
            let delay = configuration.backoff.delay(attempt: attempt)
            logger.warning(
                "report_retry",
                metadata: [
                    "attempt": "\(attempt + 1)", "reason": "\(reply.label)", "retry_in_s": "\(Backoff.logText(delay))",
                    "error_message": "\(client.explain(reply, path: "/miners/\(jobID)/\(report.kind.rawValue)"))",
                ])
            if attempt + 1 < Self.reportBurstAttempts {
                await pause(delay) { $0.fatal || $0.drainExpired || $0.stopped.contains(jobID) }
            }
        }
        // One lock: a stop that comes later finds the report queued and drops it there.
        let stopped = state.withLock { state in
            if state.stopped.contains(jobID) { return true }
            state.redelivery[jobID] = report
            return false
        }
        if stopped {
            await finishStopped(jobID: jobID, record: record, logger: logger)
            return
        }
        logger.warning("report_deferred", metadata: ["reason": "coordinator unavailable; kept in state.json"])
    }

    /// Records the final state of a report and leaves the redelivery queue.
    func settle(
        jobID: String, report: PendingReport, record: JobStateRecord?, delivery: Delivery, reply: CoordinatorReply, logger: Logger
    ) async {
        var record = record
        record?.pendingReport = nil
        switch delivery {
        case .delivered:
            // On disk before the job is: a crash in between re-sends the report, and the
            // coordinator's replay answer carries the same receipt.
            await recordReceipt(of: reply, report: report, jobID: jobID)
            record?.state = report.kind == .result ? .done : .failed
            if case .rejected(409, _, _) = reply {
                // Settled otherwise (requeued and finished elsewhere, canceled, expired): this
                // miner's work did not count.
                logger.warning("report_superseded", metadata: Self.replyMetadata(kind: report.kind, reply: reply))
            } else {
                logger.info("report_delivered", metadata: ["kind": "\(report.kind.rawValue)", "reply": "\(reply.label)"])
            }
        case .abandoned, .retry:
            record?.state = .abandoned
            // What the coordinator said is the operator's only lead (a claim it refuses, a job
            // another miner holds): its code and message go into the line, bounded.
            logger.error("report_abandoned", metadata: Self.replyMetadata(kind: report.kind, reply: reply))
        }
        await persist(record, logger: logger)
        state.withLock { state in
            state.redelivery.removeValue(forKey: jobID)
            state.held.remove(jobID)
            // A stop that raced this report's delivery is moot now.
            state.stopped.remove(jobID)
        }
    }

    /// `kind`, `reply` (`http_422`) and the coordinator's `error_code` / `error_message` when it sent them.
    static func replyMetadata(kind: PendingReport.Kind, reply: CoordinatorReply) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["kind": "\(kind.rawValue)", "reply": "\(reply.label)"]
        for (key, value) in reply.problem { metadata[key] = "\(value)" }
        return metadata
    }

    /// Retries deferred reports (and those recovery found) one attempt each per round,
    /// with the round delay backing off while the coordinator stays away.
    func redeliveryLoop() async {
        var round = 0
        while !Task.isCancelled {
            let known = Set(state.withLock { $0.redelivery.keys })
            let stillPending = await redeliverRound(round: round)
            round = stillPending ? round + 1 : 0
            let delay = stillPending ? configuration.backoff.delay(attempt: round) : configuration.backoff.maximum
            // Wake early when a new report is deferred.
            await pause(delay) { !Set($0.redelivery.keys).isSubset(of: known) || $0.fatal }
        }
    }

    /// One attempt for every queued report; true when some are still pending. Run once before
    /// the poll workers start, so a recovered report (`E_MINER_RESTART`) reaches the coordinator
    /// before this miner can be handed the same job again.
    func redeliverRound(round: Int) async -> Bool {
        let pending = state.withLock { $0.redelivery }
        var stillPending = false
        for (jobID, report) in pending.sorted(by: { $0.key < $1.key }) {
            guard !Task.isCancelled, state.withLock({ $0.registered && !$0.fatal }) else { return true }
            // Dropped since the round began (the coordinator asked for the job to stop).
            let queued = state.withLock { state in
                guard state.redelivery[jobID] != nil else { return false }
                state.redelivering = jobID
                return true
            }
            guard queued else { continue }
            var jobLogger = logger
            jobLogger[metadataKey: "job_id"] = .string(jobID)
            var record = await BlockingWork.value(name: "miner-state-io") { [store] in store.read(jobID: jobID) }
            let reply = await client.submit(jobID: jobID, report: report)
            let stoppedMeanwhile = state.withLock { state in
                state.redelivering = nil
                return state.stopped.contains(jobID)
            }
            if stoppedMeanwhile, Self.delivery(of: reply) == .retry {
                // Named in `stop_jobs` while this attempt was out: end it as stopped here.
                await finishStopped(jobID: jobID, record: record, logger: jobLogger)
                continue
            }
            var delivery = Self.delivery(of: reply)
            if delivery == .retry, (record?.attempts ?? 0) + 1 >= Self.maxReportAttempts {
                // The coordinator kept failing for about a day: stop holding the job (the
                // coordinator requeues jobs a miner no longer lists) and say so loudly.
                delivery = .abandoned
            }
            if delivery == .retry {
                stillPending = true
                record?.attempts += 1
                await persist(record, logger: jobLogger)
                jobLogger.warning("report_retry", metadata: ["reason": "\(reply.label)", "round": "\(round + 1)"])
            } else {
                await settle(jobID: jobID, report: report, record: record, delivery: delivery, reply: reply, logger: jobLogger)
            }
        }
        return stillPending
    }
}
