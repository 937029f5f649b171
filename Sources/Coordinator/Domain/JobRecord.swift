public import JSON
public import WireModels

/// A job's metadata as the client/admin views need it (spec §6 JobView and more); payload,
/// result and receipt are read separately because they can be large.
public struct JobRecord: Sendable, Equatable {
    /// 32-hex job id.
    public var id: String
    /// Owning client principal id.
    public var clientID: String
    /// Current state.
    public var state: JobState
    /// Constraints as stored (nulls removed).
    public var constraints: JobConstraints
    /// TTL in seconds.
    public var ttlSeconds: Int
    /// Submission time, Unix ms.
    public var requestedAt: Int64
    /// `requestedAt + ttlSeconds`, Unix ms.
    public var expiresAt: Int64
    /// The miner holding (or last holding) the job; nil after cancel and requeue.
    public var assignedMinerID: String?
    /// Assignment time, Unix ms.
    public var startedAt: Int64?
    /// Time it reached a terminal state, Unix ms.
    public var completedAt: Int64?
    /// Failure, cancel or expiry text.
    public var error: String?
    /// How many times the job was requeued after its miner vanished.
    public var attempts: Int
    /// Id of the latest receipt.
    public var receiptID: String?
    /// Where a large result lives, relative to DATA_DIR (`results/<id>.json`).
    public var resultRef: String?
}

/// A client's job submission, already parsed from the body.
public struct JobSubmission: Sendable {
    /// The opaque job object (must be a JSON object).
    public var payload: JSONValue
    /// The constraints.
    public var constraints: JobConstraints
    /// Requested TTL; nil → `JOB_TTL_SECONDS`.
    public var ttlSeconds: Int?
    /// `Idempotency-Key` header, if any.
    public var idempotencyKey: String?

    /// Creates a submission.
    public init(payload: JSONValue, constraints: JobConstraints = JobConstraints(), ttlSeconds: Int? = nil, idempotencyKey: String? = nil) {
        self.payload = payload
        self.constraints = constraints
        self.ttlSeconds = ttlSeconds
        self.idempotencyKey = idempotencyKey
    }
}

/// What `submit` did.
public struct SubmitOutcome: Sendable, Equatable {
    /// The (new or original) job.
    public var job: JobRecord
    /// True when an Idempotency-Key replay returned the original job (answer 200, not 201).
    public var replayed: Bool
}

/// A job handed to a miner by a poll: the body of a 200 poll answer / `job.assigned` message.
public struct ClaimedJob: Sendable, Equatable {
    /// The job id.
    public var jobID: String
    /// The job payload.
    public var payload: JSONValue
    /// Its constraints (answer with `constraints.pollJSON`).
    public var constraints: JobConstraints
}

/// The answer of `GET /v1/jobs/{id}/result` for a terminal job.
public struct JobResultView: Sendable, Equatable {
    /// Terminal state.
    public var state: JobState
    /// Error text for FAILED/CANCELED/EXPIRED.
    public var error: String?
    /// The miner's result (read from disk when stored there), or nil.
    public var result: JSONValue?
    /// The latest signed receipt, or nil.
    public var receipt: JSONValue?
}

/// What `complete` did.
public struct CompletionOutcome: Sendable, Equatable {
    /// The signed receipt, nil when signing is off.
    public var receipt: JSONValue?
    /// True when this was an exact replay of the accepted result (nothing new was signed).
    public var replayed: Bool
}

/// One job state change, published after its transaction committed (client WebSocket
/// channel `state.changed`, dispatcher wake-ups).
public struct JobStateChange: Sendable, Equatable {
    /// The job.
    public var jobID: String
    /// Its owner.
    public var clientID: String
    /// Previous state; nil for a new job.
    public var from: JobState?
    /// New state.
    public var to: JobState
    /// When, Unix ms.
    public var at: Int64
    /// The receipt stored with this change (COMPLETED with signing on).
    public var receiptID: String?
    /// The miner involved: the claimer for RUNNING, the releasing miner when leaving RUNNING.
    public var minerID: String?
    /// The job's constraints, on changes to QUEUED (so the dispatcher wakes a poller that fits).
    public var constraints: JobConstraints?

    /// Creates a change record.
    public init(
        jobID: String, clientID: String, from: JobState?, to: JobState, at: Int64, receiptID: String? = nil, minerID: String? = nil,
        constraints: JobConstraints? = nil
    ) {
        self.minerID = minerID
        self.constraints = constraints
        self.jobID = jobID
        self.clientID = clientID
        self.from = from
        self.to = to
        self.at = at
        self.receiptID = receiptID
    }
}

/// One row of the append-only `job_event` audit table.
public struct JobEventRecord: Sendable, Equatable {
    /// Previous state; nil for creation.
    public var from: JobState?
    /// New state.
    public var to: JobState
    /// When, Unix ms.
    public var at: Int64
    /// `client:<id>`, `miner:<id>` or `coordinator`.
    public var actor: String
    /// Free text (reason).
    public var detail: String?
}

