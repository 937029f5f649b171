/// The states of a job (spec/coordinator.md §7); the last four are terminal.
public enum JobState: String, Sendable, CaseIterable {
    /// Waiting for a miner.
    case queued = "QUEUED"
    /// Assigned to a miner.
    case running = "RUNNING"
    /// The assigned miner reported a result.
    case completed = "COMPLETED"
    /// The miner reported failure, or the retry budget ran out.
    case failed = "FAILED"
    /// Canceled by its client.
    case canceled = "CANCELED"
    /// Not assigned before `expires_at`.
    case expired = "EXPIRED"

    /// Whether no transition leaves this state.
    public var isTerminal: Bool {
        switch self {
        case .queued, .running: false
        case .completed, .failed, .canceled, .expired: true
        }
    }
}

/// A miner's status (spec §6 heartbeat: exactly these three values are accepted).
public enum MinerStatus: String, Sendable, CaseIterable {
    /// Takes work.
    case online = "ONLINE"
    /// Finishes running jobs, takes no new work.
    case draining = "DRAINING"
    /// Gone (said so, or missed heartbeats).
    case offline = "OFFLINE"
}
