import Metrics

/// The miner's Prometheus series (spec/miner.md §10): `miner_jobs_total{outcome}`,
/// `miner_inflight`, `miner_heartbeat_failures_total`, `miner_orphans_killed_total`,
/// `miner_jobs_stopped_total`, and the receipt claims: `miner_receipt_claims_submitted_total`,
/// `miner_receipt_claims_included_total`, `miner_receipt_claims_failed_total`.
enum MinerMetrics {
    /// Counts a finished job; `outcome` is `completed` or the failure code.
    static func jobFinished(outcome: String) {
        Counter(label: "miner_jobs_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// Publishes the in-flight job count.
    static func inflight(_ count: Int) {
        Gauge(label: "miner_inflight").record(count)
    }

    /// Counts a heartbeat that was not acknowledged.
    static func heartbeatFailed() {
        Counter(label: "miner_heartbeat_failures_total").increment()
    }

    /// Counts a job stopped because the coordinator's heartbeat answer named it (`stop_jobs`).
    static func jobStopped() {
        Counter(label: "miner_jobs_stopped_total").increment()
    }

    /// Counts a process the orphan sweeper killed: a job's leftover whose reaper died.
    static func orphanKilled() {
        Counter(label: "miner_orphans_killed_total").increment()
    }

    /// Counts a claim transaction the chain node admitted to its mempool.
    static func claimSubmitted() {
        Counter(label: "miner_receipt_claims_submitted_total").increment()
    }

    /// Counts a claim whose transaction is in a block.
    static func claimIncluded() {
        Counter(label: "miner_receipt_claims_included_total").increment()
    }

    /// Counts a claim the chain refuses for good (the receipt itself is not claimable).
    static func claimFailed() {
        Counter(label: "miner_receipt_claims_failed_total").increment()
    }
}
