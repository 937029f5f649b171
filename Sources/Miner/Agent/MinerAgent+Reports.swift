import Synchronization
import Logging

extension MinerAgent {
    /// What a submission reply means for the report.
    enum Delivery: Equatable {
        /// Accepted (or already accepted: an exact replay answers 200, a settled job 409).
        case delivered
        /// The coordinator will never take it (404 job gone, 403 another miner's, 4xx malformed).
        case abandoned
        /// Try again later.
        case retry
    }

    static func delivery(of reply: CoordinatorReply) -> Delivery {
        switch reply {
        case .ok, .noContent: .delivered
        case .rejected(409, _): .delivered
        case .rejected(401, _): .retry
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
            if state.withLock({ $0.fatal }) { break }
            let reply = await client.submit(jobID: jobID, report: report)
            let delivery = Self.delivery(of: reply)
            if delivery != .retry {
                settle(jobID: jobID, report: report, record: record, delivery: delivery, reply: reply, logger: logger)
                return
            }
            record?.attempts += 1
            persist(record, logger: logger)
            let delay = configuration.backoff.delay(attempt: attempt)
            logger.warning(
                "report_retry",
                metadata: ["attempt": "\(attempt + 1)", "reason": "\(reply.label)", "retry_in_s": "\(Backoff.seconds(delay))"])
            if attempt + 1 < Self.reportBurstAttempts {
                await pause(delay) { $0.fatal }
            }
        }
        state.withLock { $0.redelivery[jobID] = report }
        logger.warning("report_deferred", metadata: ["reason": "coordinator unavailable; kept in state.json"])
    }

    /// Records the final state of a report and leaves the redelivery queue.
    func settle(jobID: String, report: PendingReport, record: JobStateRecord?, delivery: Delivery, reply: CoordinatorReply, logger: Logger) {
        var record = record
        record?.pendingReport = nil
        switch delivery {
        case .delivered:
            record?.state = report.kind == .result ? .done : .failed
            logger.info("report_delivered", metadata: ["kind": "\(report.kind.rawValue)", "reply": "\(reply.label)"])
        case .abandoned, .retry:
            record?.state = .abandoned
            logger.error("report_abandoned", metadata: ["kind": "\(report.kind.rawValue)", "reply": "\(reply.label)"])
        }
        persist(record, logger: logger)
        state.withLock { state in
            state.redelivery.removeValue(forKey: jobID)
            state.held.remove(jobID)
        }
    }

    /// Retries deferred reports (and those recovery found) one attempt each per round,
    /// with the round delay backing off while the coordinator stays away.
    func redeliveryLoop() async {
        var round = 0
        while !Task.isCancelled {
            let pending = state.withLock { $0.redelivery }
            var stillPending = false
            for (jobID, report) in pending.sorted(by: { $0.key < $1.key }) {
                guard !Task.isCancelled, state.withLock({ $0.registered && !$0.fatal }) else {
                    stillPending = true
                    break
                }
                var jobLogger = logger
                jobLogger[metadataKey: "job_id"] = .string(jobID)
                var record = store.read(jobID: jobID)
                let reply = await client.submit(jobID: jobID, report: report)
                let delivery = Self.delivery(of: reply)
                if delivery == .retry {
                    stillPending = true
                    record?.attempts += 1
                    persist(record, logger: jobLogger)
                    jobLogger.warning("report_retry", metadata: ["reason": "\(reply.label)", "round": "\(round + 1)"])
                } else {
                    settle(jobID: jobID, report: report, record: record, delivery: delivery, reply: reply, logger: jobLogger)
                }
            }
            round = stillPending ? round + 1 : 0
            let delay = stillPending ? configuration.backoff.delay(attempt: round) : configuration.backoff.maximum
            let known = Set(pending.keys)
            // Wake early when a new report is deferred.
            await pause(delay) { !Set($0.redelivery.keys).isSubset(of: known) || $0.fatal }
        }
    }
}
