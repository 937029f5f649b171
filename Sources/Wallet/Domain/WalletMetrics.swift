import Metrics

/// The daemon's Prometheus series (docs/wallet-daemon.md "Metrics"); no label carries a
/// wallet id, so the series count stays fixed however many wallets exist.
public struct WalletMetrics: Sendable {
    let unlocks = Counter(label: "wallet_unlocks_total", dimensions: [("outcome", "success")])
    let unlockFailures = Counter(label: "wallet_unlocks_total", dimensions: [("outcome", "failure")])
    let signatures = Counter(label: "wallet_signatures_total")
    let signFailures = Counter(label: "wallet_sign_failures_total")
    let created = Counter(label: "wallet_created_total")
    let rateLimited = Counter(label: "wallet_rate_limited_total")
    let lockedOut = Counter(label: "wallet_lockout_refusals_total")
    let kdfRuns = Counter(label: "wallet_kdf_runs_total")
    let unlocked = Gauge(label: "wallet_unlocked_wallets")
    let kdfRunning = Gauge(label: "wallet_kdf_running")
    let kdfQueued = Gauge(label: "wallet_kdf_queued")

    /// The series (registered with the process's metrics backend on first use).
    public init() {}
}
