public import JSON

// The admin API (spec/coordinator.md §6 "Admin") and the miner key rotation.

/// `GET /v1/admin/stats`: totals plus a count per job state (lowercase state names).
public struct AdminStatsResponse: WireMessage {
    /// All jobs.
    public var totalJobs: Int
    /// QUEUED + RUNNING.
    public var activeJobs: Int
    /// ONLINE miners with a fresh heartbeat.
    public var onlineMiners: Int
    /// Sum of non-zero miner averages divided by the number of miners (min 1).
    public var averageMinerJobDurationMS: Double
    /// Jobs per state; a state missing here is sent as 0.
    public var jobsByState: [JobState: Int]

    /// Statistics.
    public init(totalJobs: Int, activeJobs: Int, onlineMiners: Int, averageMinerJobDurationMS: Double, jobsByState: [JobState: Int]) {
        self.totalJobs = totalJobs
        self.activeJobs = activeJobs
        self.onlineMiners = onlineMiners
        self.averageMinerJobDurationMS = averageMinerJobDurationMS
        self.jobsByState = jobsByState
    }

    /// Decodes leniently (per-state counts are optional: the reference sends none).
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        totalJobs = try WireFields.integer(try WireFields.required(body, "total_jobs"), field: "total_jobs")
        activeJobs = try WireFields.integer(try WireFields.required(body, "active_jobs"), field: "active_jobs")
        onlineMiners = try WireFields.integer(try WireFields.required(body, "online_miners"), field: "online_miners")
        averageMinerJobDurationMS = try WireFields.number(
            try WireFields.required(body, "avg_miner_job_duration_ms"), field: "avg_miner_job_duration_ms")
        var counts: [JobState: Int] = [:]
        for state in JobState.allCases {
            let key = state.rawValue.lowercased()
            if let count = try WireFields.optional(body, key, WireFields.integer) { counts[state] = count }
        }
        jobsByState = counts
    }

    /// `{"total_jobs", "active_jobs", "online_miners", "avg_miner_job_duration_ms", "queued", …, "expired"}`.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("total_jobs", .int(totalJobs)), ("active_jobs", .int(activeJobs)), ("online_miners", .int(onlineMiners)),
            ("avg_miner_job_duration_ms", .float(averageMinerJobDurationMS)),
        ]
        for state in JobState.allCases {
            pairs.append((state.rawValue.lowercased(), .int(jobsByState[state] ?? 0)))
        }
        return .members(pairs)
    }
}

/// An item of `GET /v1/admin/jobs`.
public struct AdminJobItem: WireMessage {
    /// The job.
    public var jobID: JobID
    /// Its state.
    public var state: WireJobState
    /// The owning client's principal id.
    public var clientID: String
    /// The miner holding it.
    public var assignedMinerID: MinerID?
    /// Submission time.
    public var requestedAt: WireTime

    /// An item.
    public init(jobID: JobID, state: WireJobState, clientID: String, assignedMinerID: MinerID?, requestedAt: WireTime) {
        self.jobID = jobID
        self.state = state
        self.clientID = clientID
        self.assignedMinerID = assignedMinerID
        self.requestedAt = requestedAt
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        jobID = try JobID(json: try WireFields.required(body, "job_id"), field: "job_id")
        state = try WireJobState(json: try WireFields.required(body, "state"), field: "state")
        clientID = try WireFields.string(try WireFields.required(body, "client_id"), field: "client_id")
        assignedMinerID = try WireFields.optional(body, "assigned_miner_id") { value, field throws(WireDecodingError) in
            try MinerID(json: value, field: field)
        }
        requestedAt = try WireTime(json: try WireFields.required(body, "requested_at"), field: "requested_at")
    }

    /// `{"job_id", "state", "client_id", "assigned_miner_id", "requested_at"}`.
    public var json: JSONValue {
        .members([
            ("job_id", jobID.json), ("state", .string(state.rawValue)), ("client_id", .string(clientID)),
            ("assigned_miner_id", .optional(assignedMinerID?.rawValue)), ("requested_at", requestedAt.json),
        ])
    }
}

/// An item of `GET /v1/admin/miners`.
public struct AdminMinerItem: WireMessage {
    /// The miner.
    public var minerID: MinerID
    /// Its status.
    public var status: MinerStatus
    /// The coordinator's own count of RUNNING jobs assigned to it.
    public var inflight: Int
    /// What the miner last reported.
    public var reportedInflight: Int
    /// Parallel jobs allowed.
    public var concurrency: Int
    /// Region.
    public var region: String?
    /// Last heartbeat.
    public var lastHeartbeat: WireTime
    /// Mean job duration.
    public var averageJobDurationMS: Double
    /// Completed jobs.
    public var jobsCompleted: Int
    /// Failed jobs.
    public var jobsFailed: Int
    /// Latest receipt it earned.
    public var lastReceiptID: ReceiptID?

    /// An item.
    public init(
        minerID: MinerID, status: MinerStatus, inflight: Int, reportedInflight: Int, concurrency: Int, region: String?,
        lastHeartbeat: WireTime, averageJobDurationMS: Double, jobsCompleted: Int, jobsFailed: Int, lastReceiptID: ReceiptID?
    ) {
        self.minerID = minerID
        self.status = status
        self.inflight = inflight
        self.reportedInflight = reportedInflight
        self.concurrency = concurrency
        self.region = region
        self.lastHeartbeat = lastHeartbeat
        self.averageJobDurationMS = averageJobDurationMS
        self.jobsCompleted = jobsCompleted
        self.jobsFailed = jobsFailed
        self.lastReceiptID = lastReceiptID
    }

    /// Decodes leniently (`reported_inflight`, absent from the reference, defaults to 0).
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        func integer(_ key: String) throws(WireDecodingError) -> Int { try WireFields.integer(try WireFields.required(body, key), field: key) }
        minerID = try MinerID(json: try WireFields.required(body, "miner_id"), field: "miner_id")
        status = try MinerStatus(json: try WireFields.required(body, "status"), field: "status")
        inflight = try integer("inflight")
        reportedInflight = try WireFields.optional(body, "reported_inflight", WireFields.integer) ?? 0
        concurrency = try integer("concurrency")
        region = try WireFields.optional(body, "region", WireFields.string)
        lastHeartbeat = try WireTime(json: try WireFields.required(body, "last_heartbeat"), field: "last_heartbeat")
        averageJobDurationMS = try WireFields.number(try WireFields.required(body, "average_job_duration_ms"), field: "average_job_duration_ms")
        jobsCompleted = try integer("jobs_completed")
        jobsFailed = try integer("jobs_failed")
        lastReceiptID = try WireFields.optional(body, "last_receipt_id") { value, field throws(WireDecodingError) in
            try ReceiptID(json: value, field: field)
        }
    }

    /// The eleven members, nulls included.
    public var json: JSONValue {
        .members([
            ("miner_id", minerID.json), ("status", .string(status.rawValue)), ("inflight", .int(inflight)),
            ("reported_inflight", .int(reportedInflight)), ("concurrency", .int(concurrency)), ("region", .optional(region)),
            ("last_heartbeat", lastHeartbeat.json), ("average_job_duration_ms", .float(averageJobDurationMS)),
            ("jobs_completed", .int(jobsCompleted)), ("jobs_failed", .int(jobsFailed)),
            ("last_receipt_id", .optional(lastReceiptID?.rawValue)),
        ])
    }
}

/// `POST /v1/admin/miners/{miner_id}/rotate-key` body: `public_key`, 64 hex characters (the
/// coordinator checks the key itself).
public struct RotateMinerKeyRequest: WireMessage {
    /// The miner's new hex Ed25519 public key.
    public var publicKey: String

    /// A rotation.
    public init(publicKey: String) { self.publicKey = publicKey }

    /// Decodes a body strictly.
    /// - Throws: `WireDecodingError` (`public_key: field required (64 hex characters)` when absent or not a string).
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        try WireFields.refuseUnknown(body, known: ["public_key"], in: .httpBody)
        guard let key = body["public_key"]?.stringValue else {
            throw WireDecodingError(field: "public_key", reason: "field required (64 hex characters)")
        }
        publicKey = key
    }

    /// `{"public_key"}`.
    public var json: JSONValue { .members([("public_key", .string(publicKey))]) }
}

/// The rotation answer: `{"status":"ok","miner_id","public_key","previous_public_key"}`.
public struct RotateMinerKeyResponse: WireMessage {
    /// `ok`.
    public var status: String
    /// The miner.
    public var minerID: MinerID
    /// The key now pinned.
    public var publicKey: String
    /// The key it replaced, or nil.
    public var previousPublicKey: String?

    /// An answer.
    public init(status: String = "ok", minerID: MinerID, publicKey: String, previousPublicKey: String?) {
        self.status = status
        self.minerID = minerID
        self.publicKey = publicKey
        self.previousPublicKey = previousPublicKey
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        status = try WireFields.string(try WireFields.required(body, "status"), field: "status")
        minerID = try MinerID(json: try WireFields.required(body, "miner_id"), field: "miner_id")
        publicKey = try WireFields.string(try WireFields.required(body, "public_key"), field: "public_key")
        previousPublicKey = try WireFields.optional(body, "previous_public_key", WireFields.string)
    }

    /// The four members, null included.
    public var json: JSONValue {
        .members([
            ("status", .string(status)), ("miner_id", minerID.json), ("public_key", .string(publicKey)),
            ("previous_public_key", .optional(previousPublicKey)),
        ])
    }
}
