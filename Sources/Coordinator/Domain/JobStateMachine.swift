public import WireModels
/// Why a job changes state (spec §7 table).
public enum JobTransition: String, Sendable, CaseIterable {
    /// A poll assigns the job to a miner.
    case assign
    /// `expires_at` passed while QUEUED.
    case expire
    /// The owning client cancels.
    case cancel
    /// The assigned miner reports a result.
    case complete
    /// The assigned miner reports failure.
    case fail
    /// The miner vanished (heartbeat timeout); the job goes back to the queue.
    case requeue
    /// The miner vanished and the job has no attempts (or time) left.
    case exhaust
}

/// The only place job transitions are decided. Pure: the store asks it for the target state
/// and then performs the change as a compare-and-set on the state it read.
public enum JobStateMachine {
    /// The state `transition` leads to from `state`.
    /// - Throws: `CoordinatorError.jobNotCancelable` for a cancel outside QUEUED/RUNNING,
    ///   `.conflictState` for every other refused transition.
    public static func target(of transition: JobTransition, from state: JobState) throws(CoordinatorError) -> JobState {
        switch (transition, state) {
        case (.assign, .queued): return .running
        case (.expire, .queued): return .expired
        case (.cancel, .queued), (.cancel, .running): return .canceled
        case (.complete, .running): return .completed
        case (.fail, .running), (.exhaust, .running): return .failed
        case (.requeue, .running): return .queued
        case (.cancel, _): throw .jobNotCancelable(state: state)
        default: throw .conflictState("job is \(state.rawValue), cannot \(transition.rawValue)")
        }
    }

    /// Whether `transition` is allowed from `state`.
    public static func allows(_ transition: JobTransition, from state: JobState) -> Bool {
        (try? target(of: transition, from: state)) != nil
    }
}
