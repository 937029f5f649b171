public import JSON
import Receipts
import WireModels

/// Response bodies in the shapes of spec/coordinator.md §4, §6 and §13. Timestamps are
/// RFC 3339 UTC with `Z`; ids are principal ids, never keys.
extension JSONValue {
    /// An object from ordered pairs.
    static func members(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.0, value: $0.1) })
    }

    static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }

    static func time(_ milliseconds: Int64?) -> JSONValue {
        milliseconds.map { .string(CoordinatorTime.rfc3339(milliseconds: $0)) } ?? .null
    }

    static func int(_ value: Int) -> JSONValue { .integer(JSONInteger(value)) }
}

extension CoordinatorError {
    /// `{"detail": "...", "error": {"code", "message"[, "details"]}}` — both styles at once
    /// (spec §4), so existing clients keep working.
    public var body: JSONValue {
        var error: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if let details = detailsJSON { error.append(("details", details)) }
        return .members([("detail", .string(detail)), ("error", .members(error))])
    }

    /// The `details` the HTTP edge sends too (`CoordinatorHTTP.httpError`), so a WebSocket
    /// error frame carries the same facts as the HTTP answer it stands for.
    var detailsJSON: JSONValue? {
        switch self {
        case .rateLimited(let seconds): .members([("retry_after_seconds", .int(seconds))])
        case .payloadTooLarge(let limit): .members([("limit_bytes", .int(limit))])
        case .queueQuotaExceeded(let limit): .members([("queued_job_limit", .int(limit))])
        case .constraintSetQuotaExceeded(let limit): .members([("constraint_set_limit", .int(limit))])
        case .minerKeyPinned(let minerID), .minerKeyRequired(let minerID): .members([("miner_id", .string(minerID))])
        default: nil
        }
    }
}

extension JobRecord {
    /// The JobView: `job_id, state, assigned_miner_id, requested_at, expires_at, error`.
    public var viewJSON: JSONValue {
        .members([
            ("job_id", .string(id)), ("state", .string(state.rawValue)), ("assigned_miner_id", .optional(assignedMinerID)),
            ("requested_at", .time(requestedAt)), ("expires_at", .time(expiresAt)), ("error", .optional(error)),
        ])
    }
}

extension ClaimedJob {
    /// The 200 poll answer / `job.assigned` body: `job_id, payload, constraints` (six keys).
    public var pollJSON: JSONValue {
        .members([("job_id", .string(jobID)), ("payload", payload), ("constraints", constraints.pollJSON)])
    }
}

extension JobResultView {
    /// `{"result", "receipt", "state", "error"}`.
    public var json: JSONValue {
        .members([
            ("result", result ?? .null), ("receipt", receipt ?? .null), ("state", .string(state.rawValue)), ("error", .optional(error)),
        ])
    }
}

extension CompletionOutcome {
    /// `{"status": "ok", "receipt": ...}`.
    public var json: JSONValue { .members([("status", "ok"), ("receipt", receipt ?? .null)]) }
}

extension CoordinatorStats {
    /// The admin stats body with the per-state counts.
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

extension JobSummary {
    /// An admin jobs item.
    public var json: JSONValue {
        .members([
            ("job_id", .string(id)), ("state", .string(state.rawValue)), ("client_id", .string(clientID)),
            ("assigned_miner_id", .optional(assignedMinerID)), ("requested_at", .time(requestedAt)),
        ])
    }
}

extension MinerSummary {
    /// An admin miners item.
    public var json: JSONValue {
        .members([
            ("miner_id", .string(id)), ("status", .string(status.rawValue)), ("inflight", .int(inflight)),
            ("reported_inflight", .int(reportedInflight)), ("concurrency", .int(concurrency)), ("region", .optional(region)),
            ("last_heartbeat", .time(lastHeartbeat)), ("average_job_duration_ms", .float(averageJobDurationMS)),
            ("jobs_completed", .int(jobsCompleted)), ("jobs_failed", .int(jobsFailed)), ("last_receipt_id", .optional(lastReceiptID)),
        ])
    }
}

extension Page where Item == JSONValue {
    /// `{"items": [...], "next_cursor": string|null}`.
    public var json: JSONValue { .members([("items", .array(items)), ("next_cursor", .optional(nextCursor))]) }
}

extension StoredReceipt {
    /// A public explorer receipts item (issue #10, defect 6): the documented keys `receiptId,
    /// jobId, miner, coordinator, issuedAt, status` plus billing facts and hashes — never the
    /// receipt itself, whose `metadata` holds the client's payload, the result and the metrics
    /// (the full receipt goes only to the job's client, `GET /v1/jobs/{id}/receipt`). No
    /// `client` either: who buys compute is the client's business. `receiptHash` (hex SHA-256
    /// of the canonical receipt, spec/receipts.md) lets anyone holding a full receipt match it.
    public var explorerJSON: JSONValue {
        let coordinator = receipt["attestations"]?.arrayValue?.first?["key_id"]?.stringValue
            ?? receipt["coordinator_id"]?.stringValue ?? receipt["signature"]?["key_id"]?.stringValue
        let receiptHash = (try? Receipt(json: receipt))?.receiptHashHexIfFinite
        return .members([
            ("receiptId", .string(receiptID)), ("jobId", .string(jobID)), ("miner", Self.publicString(receipt["provider"])),
            ("coordinator", .optional(coordinator)), ("issuedAt", .time(createdAt)), ("status", .string(status)),
            ("units", Self.publicNumber(receipt["units"])), ("unitType", Self.publicString(receipt["unit_type"])),
            ("price", Self.publicNumber(receipt["price"])), ("startedAt", Self.publicTime(receipt["started_at"])),
            ("completedAt", Self.publicTime(receipt["completed_at"])), ("artifactHash", Self.publicString(receipt["artifact_hash"])),
            ("receiptHash", .optional(receiptHash)), ("keyId", .optional(receipt["signature"]?["key_id"]?.stringValue)),
        ])
    }

    /// A string member as is; anything else (an object could smuggle data) as null.
    static func publicString(_ value: JSONValue?) -> JSONValue { value?.stringValue.map { .string($0) } ?? .null }

    /// A number member as is; anything else as null.
    static func publicNumber(_ value: JSONValue?) -> JSONValue {
        switch value {
        case .integer?, .float?: value ?? .null
        default: .null
        }
    }

    /// A receipt time (Unix seconds) as RFC 3339; anything else as null.
    static func publicTime(_ value: JSONValue?) -> JSONValue {
        guard let seconds = value?.int64Value else { return .null }
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
        return overflow ? .null : .time(milliseconds)
    }
}

extension Receipt {
    /// `receiptHashHex()`, or nil for a receipt without a canonical form.
    var receiptHashHexIfFinite: String? { try? receiptHashHex() }
}

extension JobStateChange {
    /// The client WebSocket `state.changed` message.
    public var stateChangedJSON: JSONValue {
        .members([("type", "state.changed"), ("job_id", .string(jobID)), ("state", .string(to.rawValue)), ("at", .time(at))])
    }

    /// The `result.ready` message, when this change stored a receipt.
    public var resultReadyJSON: JSONValue? {
        guard let receiptID else { return nil }
        return .members([("type", "result.ready"), ("job_id", .string(jobID)), ("receipt_id", .string(receiptID))])
    }
}
