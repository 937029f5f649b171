import JSON

/// The states of a job (spec/coordinator.md §7); the last four are terminal. The one list of
/// them: the coordinator's state machine switches over it exhaustively, and `WireJobState`
/// wraps it for clients that must keep values a newer coordinator may add.
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

/// A job state as a response carries it: one of `JobState`, or a value this version does not
/// know, kept as sent (spec/sdk.md §5 "unknown values preserved") so a newer coordinator's
/// state neither breaks decoding nor is re-encoded as something else.
public enum WireJobState: Hashable, Sendable, CustomStringConvertible {
    /// A state this version knows.
    case known(JobState)
    /// A state this version does not know, as sent.
    case unknown(String)

    /// The state `text` names.
    public init(_ text: String) {
        self = JobState(rawValue: text).map { .known($0) } ?? .unknown(text)
    }

    /// The text on the wire.
    public var rawValue: String {
        switch self {
        case .known(let state): state.rawValue
        case .unknown(let text): text
        }
    }

    /// The known state, or nil.
    public var known: JobState? {
        if case .known(let state) = self { return state }
        return nil
    }

    /// Whether the state is terminal; nil when this version does not know it.
    public var isTerminal: Bool? { known?.isTerminal }

    /// The text.
    public var description: String { rawValue }

    /// The state from a JSON member.
    /// - Throws: `WireDecodingError` `<field>: must be a string`.
    init(json value: JSONValue, field: String) throws(WireDecodingError) {
        self.init(try WireFields.string(value, field: field))
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

    /// The status from a JSON member.
    /// - Throws: `WireDecodingError` `<field>: must be one of ONLINE, DRAINING, OFFLINE`.
    init(json value: JSONValue, field: String) throws(WireDecodingError) {
        guard let status = MinerStatus(rawValue: try WireFields.string(value, field: field)) else {
            throw WireDecodingError(field: field, reason: "must be one of ONLINE, DRAINING, OFFLINE")
        }
        self = status
    }
}
