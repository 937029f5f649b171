public import Metrics
import WireModels

/// The coordinator's Prometheus series (spec §6 "Expose GET /metrics"): transitions by target
/// state, receipts signed, long-poll duration, and gauges for queue depth, running jobs and
/// online miners (refreshed by the sweeper loop). Metric objects are made once; recording is
/// a handler call.
public final class CoordinatorMetrics: Sendable {
    private let transitions: [JobState: Counter]
    private let receiptsSigned: Counter
    private let pollDuration: Timer
    private let queued: Gauge
    private let running: Gauge
    private let onlineMiners: Gauge
    private let rateLimited: [String: Counter]

    /// Creates the series through `factory` (the bootstrapped system by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        var transitions: [JobState: Counter] = [:]
        for state in JobState.allCases {
            transitions[state] = Counter(
                label: "aitbc_coordinator_job_transitions_total", dimensions: [("to", state.rawValue)], factory: factory)
        }
        self.transitions = transitions
        receiptsSigned = Counter(label: "aitbc_coordinator_receipts_signed_total", factory: factory)
        pollDuration = Timer(label: "aitbc_coordinator_poll_duration_seconds", factory: factory)
        queued = Gauge(label: "aitbc_coordinator_jobs_queued", factory: factory)
        running = Gauge(label: "aitbc_coordinator_jobs_running", factory: factory)
        onlineMiners = Gauge(label: "aitbc_coordinator_miners_online", factory: factory)
        var rateLimited: [String: Counter] = [:]
        for transport in ["http", "websocket"] {
            rateLimited[transport] = Counter(
                label: "aitbc_coordinator_rate_limited_total", dimensions: [("transport", transport)], factory: factory)
        }
        self.rateLimited = rateLimited
    }

    /// Counts one committed state change (and its receipt, if one was stored).
    public func record(_ change: JobStateChange) {
        transitions[change.to]?.increment()
        if change.receiptID != nil { receiptsSigned.increment() }
    }

    /// Records how long one poll took (including its wait).
    public func recordPoll(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        pollDuration.recordNanoseconds(seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue &+ attoseconds / 1_000_000_000)
    }

    /// Sets the gauges from fresh statistics.
    public func update(from stats: CoordinatorStats) {
        update(from: (stats.jobsByState[.queued] ?? 0, stats.jobsByState[.running] ?? 0, stats.onlineMiners))
    }

    /// Sets the gauges from `CoordinatorStore.liveCounts()`.
    public func update(from counts: (queued: Int, running: Int, onlineMiners: Int)) {
        queued.record(counts.queued)
        running.record(counts.running)
        onlineMiners.record(counts.onlineMiners)
    }

    /// Counts one request or WebSocket message refused by the token bucket (`http`/`websocket`).
    public func recordRateLimited(transport: String) {
        rateLimited[transport]?.increment()
    }
}
