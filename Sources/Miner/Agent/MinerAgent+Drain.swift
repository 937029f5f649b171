import Logging
import Synchronization

extension MinerAgent {
    /// How long a drain waits for the coordinator to acknowledge it (`POST /miners/drain`, then
    /// the DRAINING heartbeat) before closing the polls anyway: a stop must not hang on a
    /// coordinator that is away.
    static let drainNoticeTimeout = Duration.seconds(2)

    /// Tells the coordinator, stops polling, reports DRAINING, gives running jobs
    /// `drain_timeout_s`, then cancels them (the executor kills their groups and returns `E_SHUTDOWN`).
    func drain(signal: Int32) async {
        let started: Bool = state.withLock { state in
            guard !state.finished, !state.draining else { return false }
            state.draining = true
            state.heartbeatNow = true
            return true
        }
        guard started else { return }
        // The coordinator first: closing a long-poll does not reach a coordinator that only
        // notices the closed connection when it writes the answer (the socket sits in
        // CLOSE-WAIT), so a job submitted now would be assigned to this exiting miner and stay
        // RUNNING until the heartbeat timeout. Marked DRAINING, it hands this miner nothing.
        await announceDraining()
        // No job is taken after SIGTERM: a long-poll in flight could still be answered with one
        // up to poll.max_wait_s later, so its connection is closed now.
        state.withLock { Array($0.polls.values) }.forEach { $0.cancel() }
        logger.info("draining", metadata: ["signal": "\(signal)", "inflight": "\(status.inflight)"])
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while ContinuousClock.now < deadline, state.withLock({ $0.inflight > 0 && !$0.finished }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        state.withLock { $0.drainExpired = true }
        let cancelled = cancelExecutions()
        if cancelled > 0 { logger.warning("drain_timeout", metadata: ["cancelled_jobs": "\(cancelled)"]) }
    }

    /// `POST /miners/drain`, else a DRAINING heartbeat, each given `drainNoticeTimeout`; logs
    /// `drain_announced` (with the call that worked) or `drain_announce_failed`. Nothing is sent
    /// while unregistered (no poll is parked then) or after a fatal refusal.
    func announceDraining() async {
        let (registered, fatal, inflight) = state.withLock { ($0.registered, $0.fatal, $0.inflight) }
        guard registered, !fatal else { return }
        let drained = await Self.withDeadline(Self.drainNoticeTimeout) { [client] in await client.drain() }
        if case .ok = drained {
            logger.info("drain_announced", metadata: ["via": "drain"])
            return
        }
        let heartbeat = await Self.withDeadline(Self.drainNoticeTimeout) { [client] in
            await client.heartbeat(inflight: inflight, draining: true, metadata: Self.heartbeatMetadata())
        }
        switch heartbeat {
        case .ok, .noContent:
            logger.info("drain_announced", metadata: ["via": "heartbeat", "drain_reply": "\(drained.label)"])
        default:
            logger.warning(
                "drain_announce_failed",
                metadata: [
                    "drain_reply": "\(drained.label)", "heartbeat_reply": "\(heartbeat.label)",
                    "consequence": "a job the coordinator assigns before it notices may wait for its heartbeat timeout",
                ])
        }
    }

    /// `call`'s reply, or `.unreachable` when it takes longer than `limit` (the call is then
    /// cancelled, which closes its connection).
    static func withDeadline(
        _ limit: Duration, _ call: @escaping @Sendable () async -> CoordinatorReply
    ) async -> CoordinatorReply {
        await withTaskGroup(of: CoordinatorReply?.self) { group in
            group.addTask { await call() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .unreachable("no answer within \(limit)")
        }
    }
}
