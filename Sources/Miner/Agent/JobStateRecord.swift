public import JSON

/// One job's `state.json` (spec/miner.md §9): `{job_id, state, runner, started_at, pid, pgid,
/// attempts, pending_report?}`, rewritten atomically on every transition.
public struct JobStateRecord: Sendable, Equatable {
    /// The job's lifecycle as the miner persists it (spec §5 state machine, reporting part).
    public enum State: String, Sendable, CaseIterable {
        /// Claimed by a poll, executor not yet started it.
        case assigned = "ASSIGNED"
        /// The executor is running it (pid/pgid filled in once spawned).
        case running = "RUNNING"
        /// Finished; `pending_report` waits for the coordinator's acknowledgement.
        case reporting = "REPORTING"
        /// Result acknowledged.
        case done = "DONE"
        /// Failure report acknowledged.
        case failed = "FAILED"
        /// The coordinator no longer knows the job (404 on submit); nothing more to do.
        case abandoned = "ABANDONED"
        /// The coordinator's heartbeat answer asked for it to stop (`stop_jobs`: canceled, or no
        /// longer this miner's): its process was killed and nothing is reported.
        case stopped = "STOPPED"

        /// Whether nothing is left to do for the job.
        public var isFinished: Bool { self == .done || self == .failed || self == .abandoned || self == .stopped }
    }

    /// Coordinator job id (already validated as a path component).
    public var jobID: String
    /// Current state.
    public var state: State
    /// Runner name from the payload (`echo` when it names none).
    public var runner: String
    /// Unix milliseconds when the miner claimed it.
    public var startedAt: Int64
    /// The job's child process, once spawned.
    public var pid: Int32?
    /// The child's process group (killed by recovery after a miner crash).
    public var processGroup: Int32?
    /// Boot and start time of the group leader when it was spawned (`boot_id`, `pgid_start`):
    /// recovery kills the group only while they still match.
    public var processIdentity: ProcessIdentity?
    /// Submission attempts of the pending report so far.
    public var attempts: Int
    /// The report to (re-)send while `state` is `REPORTING`.
    public var pendingReport: PendingReport?

    /// A record from its parts.
    public init(
        jobID: String, state: State, runner: String, startedAt: Int64, pid: Int32? = nil, processGroup: Int32? = nil,
        attempts: Int = 0, pendingReport: PendingReport? = nil
    ) {
        self.jobID = jobID
        self.state = state
        self.runner = runner
        self.startedAt = startedAt
        self.pid = pid
        self.processGroup = processGroup
        self.attempts = attempts
        self.pendingReport = pendingReport
    }

    /// The file's JSON object.
    public var json: JSONValue {
        var members: [JSONMember] = [
            JSONMember(key: "job_id", value: .string(jobID)), JSONMember(key: "state", value: .string(state.rawValue)),
            JSONMember(key: "runner", value: .string(runner)),
            JSONMember(key: "started_at", value: .integer(JSONInteger(startedAt))),
            JSONMember(key: "pid", value: pid.map { .integer(JSONInteger($0)) } ?? .null),
            JSONMember(key: "pgid", value: processGroup.map { .integer(JSONInteger($0)) } ?? .null),
            JSONMember(key: "boot_id", value: processIdentity.map { .string($0.bootID) } ?? .null),
            JSONMember(key: "pgid_start", value: processIdentity.map { .integer(JSONInteger($0.startTicks)) } ?? .null),
            JSONMember(key: "attempts", value: .integer(JSONInteger(attempts))),
        ]
        if let pendingReport { members.append(JSONMember(key: "pending_report", value: pendingReport.json)) }
        return .object(members)
    }

    /// Reads a state file's object; nil when a required member is missing or malformed.
    public init?(json: JSONValue) {
        guard let jobID = json["job_id"]?.stringValue, let stateText = json["state"]?.stringValue,
            let state = State(rawValue: stateText), let startedAt = json["started_at"]?.int64Value
        else { return nil }
        func process(_ key: String) -> Int32? {
            json[key]?.int64Value.flatMap { Int32(exactly: $0) }
        }
        let pending: PendingReport?
        if let stored = json["pending_report"], !stored.isNull {
            guard let report = PendingReport(json: stored) else { return nil }
            pending = report
        } else {
            pending = nil
        }
        self.init(
            jobID: jobID, state: state, runner: json["runner"]?.stringValue ?? "echo", startedAt: startedAt, pid: process("pid"),
            processGroup: process("pgid"), attempts: json["attempts"]?.int64Value.flatMap { Int(exactly: $0) } ?? 0,
            pendingReport: pending)
        if let boot = json["boot_id"]?.stringValue, let ticks = json["pgid_start"]?.int64Value {
            processIdentity = ProcessIdentity(bootID: boot, startTicks: ticks)
        }
    }
}
