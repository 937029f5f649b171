import Logging
import Synchronization
import Foundation
import JSON
import ServiceRuntime
import WireModels

extension MinerAgent {
    /// Heartbeats every `heartbeat.interval_s` ± jitter with the real in-flight count and
    /// ONLINE/DRAINING (spec §5 rule 2); 401 is fatal, 404 re-registers, other failures back off.
    /// Held jobs the answer's `stop_jobs` names are stopped at once (`stopJobs`).
    func heartbeatLoop() async {
        var failures = 0
        var generator = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            let (inflight, draining, held) = state.withLock { state in
                state.heartbeatNow = false
                return (state.inflight, state.draining, state.held.union(state.redelivery.keys))
            }
            // Over the coordinator's limit the list is left out (no reconciliation) rather than cut short.
            let jobs = held.count <= Self.maxHeldJobsReported ? held.sorted() : nil
            let reply = await client.heartbeat(
                inflight: inflight, draining: draining, metadata: Self.heartbeatMetadata(), jobs: jobs)
            switch reply {
            case .ok(let body):
                failures = 0
                state.withLock { $0.lastHeartbeatOK = Self.nowMilliseconds() }
                // An answer this miner cannot read asks nothing of it (lenient, like older coordinators).
                let stop = body.flatMap { try? HeartbeatResponse(json: $0) }?.stopJobs ?? []
                await stopJobs(stop)
            case .noContent:
                failures = 0
                state.withLock { $0.lastHeartbeatOK = Self.nowMilliseconds() }
            case .rejected(401, _, _):
                MinerMetrics.heartbeatFailed()
                markFatal()
                return
            case .rejected(404, _, _):
                // Re-register, then back off like any failure (no back-to-back heartbeats).
                failures += 1
                MinerMetrics.heartbeatFailed()
                logger.warning("heartbeat_failed", metadata: ["reason": "not_registered"])
                await reregister()
            default:
                failures += 1
                MinerMetrics.heartbeatFailed()
                logger.warning(
                    "heartbeat_failed",
                    metadata: [
                        "reason": "\(reply.label)", "failures": "\(failures)",
                        "error_message": "\(client.explain(reply, path: "/miners/heartbeat"))",
                    ])
            }
            let delay =
                failures == 0
                ? Backoff.jittered(configuration.heartbeatInterval, percent: configuration.heartbeatJitterPercent, using: &generator)
                : configuration.backoff.delay(attempt: failures - 1, using: &generator)
            await pause(delay) { $0.heartbeatNow || $0.fatal }
            if await refreshModels() {
                logger.info("models_changed", metadata: ["models": "\(state.withLock { $0.capabilities["models"] ?? .null })"])
                await reregister()
            }
        }
    }

    /// `{"load_avg":[1,5,15 min],"timestamp"}` (spec §4 heartbeat metadata).
    static func heartbeatMetadata() -> JSONValue {
        var loads = [Double](repeating: 0, count: 3)
        let count = getloadavg(&loads, 3)
        let loadValues: [JSONValue] = count == 3 ? loads.map { .float(($0 * 100).rounded() / 100) } : []
        return ["load_avg": .array(loadValues), "timestamp": .string(RFC3339.format(milliseconds: nowMilliseconds()))]
    }
}
