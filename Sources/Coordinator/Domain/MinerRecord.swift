public import JSON
public import WireModels

/// A miner's registration body (spec §6 POST /v1/miners/register), parsed.
public struct MinerRegistration: Sendable {
    /// Capability document (object, ≤ 64 KiB serialized).
    public var capabilities: JSONValue
    /// Parallel jobs, 1…64.
    public var concurrency: Int
    /// Region, or nil.
    public var region: String?
    /// Optional hex Ed25519 public key the miner signs with (stored, not yet checked).
    public var publicKey: String?

    /// Creates a registration.
    public init(capabilities: JSONValue, concurrency: Int = 1, region: String? = nil, publicKey: String? = nil) {
        self.capabilities = capabilities
        self.concurrency = concurrency
        self.region = region
        self.publicKey = publicKey
    }
}

/// A heartbeat body (spec §6 POST /v1/miners/heartbeat), parsed.
public struct MinerHeartbeat: Sendable {
    /// The miner's own status.
    public var status: MinerStatus
    /// The miner's own inflight count; stored as `reported_inflight`, never trusted for admission.
    public var reportedInflight: Int
    /// Free metadata (object, ≤ 64 KiB).
    public var metadata: JSONValue
    /// `jobs`: every job the miner still holds (running, or its report not yet delivered).
    /// When sent, RUNNING jobs assigned to this miner that it does not hold — an assignment
    /// whose poll response was lost, a job the miner forgot in a crash — go back to the queue
    /// once they have been assigned longer than `HEARTBEAT_TIMEOUT_SECONDS`. nil: no check.
    public var heldJobs: Set<String>?

    /// Creates a heartbeat.
    public init(
        status: MinerStatus = .online, reportedInflight: Int = 0, metadata: JSONValue = .object([]), heldJobs: Set<String>? = nil
    ) {
        self.status = status
        self.reportedInflight = reportedInflight
        self.metadata = metadata
        self.heldJobs = heldJobs
    }
}

/// What a heartbeat did and what it answers.
public struct HeartbeatOutcome: Sendable, Equatable {
    /// RUNNING jobs released because the miner's `jobs` list left them out.
    public var released: SweepReport
    /// Held jobs no longer RUNNING on this miner, which it must stop without reporting (the
    /// answer's `stop_jobs`); empty without a `jobs` list.
    public var stopJobs: [String]

    /// An outcome.
    public init(released: SweepReport = SweepReport(), stopJobs: [String] = []) {
        self.released = released
        self.stopJobs = stopJobs
    }
}

/// A miner as admin listings show it (spec §6 GET /v1/admin/miners).
public struct MinerSummary: Sendable, Equatable {
    /// Principal id.
    public var id: String
    /// Status.
    public var status: MinerStatus
    /// The coordinator's own count of RUNNING jobs assigned to it.
    public var inflight: Int
    /// What the miner last reported.
    public var reportedInflight: Int
    /// Parallel jobs allowed.
    public var concurrency: Int
    /// Region.
    public var region: String?
    /// Last heartbeat, Unix ms.
    public var lastHeartbeat: Int64
    /// Mean job duration.
    public var averageJobDurationMS: Double
    /// Completed jobs.
    public var jobsCompleted: Int
    /// Failed jobs.
    public var jobsFailed: Int
    /// Latest receipt it earned.
    public var lastReceiptID: String?
}

/// Admin statistics (spec §6 GET /v1/admin/stats, with the Required per-state counts).
public struct CoordinatorStats: Sendable, Equatable {
    /// All jobs.
    public var totalJobs: Int
    /// QUEUED + RUNNING.
    public var activeJobs: Int
    /// ONLINE miners with a fresh heartbeat.
    public var onlineMiners: Int
    /// Sum of non-zero miner averages divided by the number of miners (min 1).
    public var averageMinerJobDurationMS: Double
    /// Jobs per state (every state present, zero when none).
    public var jobsByState: [JobState: Int]
}

/// One page of a listing; `nextCursor` is opaque, nil on the last page.
public struct Page<Item: Sendable>: Sendable {
    /// Items of this page.
    public var items: [Item]
    /// Pass back as `cursor` to continue; nil when there is no more.
    public var nextCursor: String?
}

/// A job in admin listings (spec §6 GET /v1/admin/jobs).
public struct JobSummary: Sendable, Equatable {
    /// Job id.
    public var id: String
    /// State.
    public var state: JobState
    /// Owner.
    public var clientID: String
    /// Assigned miner.
    public var assignedMinerID: String?
    /// Submission time, Unix ms.
    public var requestedAt: Int64
}

/// A stored receipt from the `jobreceipt` history (explorer listing).
public struct StoredReceipt: Sendable, Equatable {
    /// Receipt id.
    public var receiptID: String
    /// Job id.
    public var jobID: String
    /// The full signed receipt.
    public var receipt: JSONValue
    /// Storage time, Unix ms.
    public var createdAt: Int64

    /// `Attested` when the receipt carries attestations, else `Signed` (spec §6 explorer).
    public var status: String {
        if let list = receipt["attestations"]?.arrayValue, !list.isEmpty { return "Attested" }
        return "Signed"
    }
}

/// What one sweeper step changed.
public struct SweepReport: Sendable, Equatable {
    /// QUEUED jobs moved to EXPIRED.
    public var expiredJobs: Int = 0
    /// Miners marked OFFLINE for missing heartbeats.
    public var offlineMiners: Int = 0
    /// RUNNING jobs sent back to QUEUED.
    public var requeuedJobs: Int = 0
    /// RUNNING jobs failed with `requeue limit` (or expiry).
    public var failedJobs: Int = 0

    /// A report of nothing done.
    public init() {}
}
