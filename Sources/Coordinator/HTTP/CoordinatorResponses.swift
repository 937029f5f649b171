import Cryptography
public import JSON
import Receipts
import ServiceRuntime
public import WireModels

/// The coordinator's records as the WireModels messages of spec/coordinator.md §4, §6 and
/// §13. Timestamps are RFC 3339 UTC with `Z`; ids are principal ids, never keys. Ids read
/// back from the database were checked when they were issued; one that no longer parses
/// is a damaged row (`.storage`).
extension CoordinatorError {
    /// `{"detail": "...", "error": {"code", "message"[, "details"]}}` — both styles at once
    /// (spec §4), so existing clients keep working.
    public var body: JSONValue { ErrorResponse(detail: detail, code: code, message: message, details: detailsJSON).json }

    /// The `details` the HTTP edge sends too (`CoordinatorHTTP.httpError`), so a WebSocket
    /// error frame carries the same facts as the HTTP answer it stands for.
    var detailsJSON: JSONValue? {
        switch self {
        case .rateLimited(let seconds): ["retry_after_seconds": .integer(JSONInteger(seconds))]
        case .payloadTooLarge(let limit): ["limit_bytes": .integer(JSONInteger(limit))]
        case .queueQuotaExceeded(let limit): ["queued_job_limit": .integer(JSONInteger(limit))]
        case .constraintSetQuotaExceeded(let limit): ["constraint_set_limit": .integer(JSONInteger(limit))]
        case .minerKeyPinned(let minerID), .minerKeyRequired(let minerID): ["miner_id": .string(minerID)]
        case .jobNotCancelable(let state?): ["state": .string(state.rawValue)]
        default: nil
        }
    }
}

extension WireIdentifier {
    /// An id read back from the database.
    /// - Throws: `CoordinatorError.storage` when the stored text breaks the id's rule.
    static func stored(_ text: String) throws(CoordinatorError) -> Self {
        guard let id = Self(text) else { throw .storage("malformed \(Self.self) in the database") }
        return id
    }

    /// An optional id read back from the database.
    /// - Throws: `CoordinatorError.storage`.
    static func stored(_ text: String?) throws(CoordinatorError) -> Self? {
        try text.map { text throws(CoordinatorError) in try stored(text) }
    }
}

extension WireTime {
    /// Unix milliseconds in RFC 3339 (`2026-01-01T00:00:00.123Z`).
    init(milliseconds: Int64) {
        self.init(rawValue: CoordinatorTime.rfc3339(milliseconds: milliseconds), unixMilliseconds: milliseconds)
    }

    /// A receipt time (Unix seconds) in RFC 3339; nil when it is not an integer or overflows.
    init?(receiptSeconds value: JSONValue?) {
        guard let seconds = value?.int64Value else { return nil }
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
        guard !overflow else { return nil }
        self.init(milliseconds: milliseconds)
    }
}

extension JobRecord {
    /// The JobView.
    /// - Throws: `CoordinatorError.storage` for a damaged row.
    public func view() throws(CoordinatorError) -> JobView {
        JobView(
            jobID: try .stored(id), state: .known(state), assignedMinerID: try .stored(assignedMinerID),
            requestedAt: WireTime(milliseconds: requestedAt), expiresAt: WireTime(milliseconds: expiresAt), error: error)
    }
}

extension ClaimedJob {
    /// The 200 poll answer / `job.assigned` body.
    /// - Throws: `CoordinatorError.storage` for a damaged row.
    public func assigned() throws(CoordinatorError) -> AssignedJob {
        AssignedJob(jobID: try .stored(jobID), payload: payload, constraints: constraints)
    }
}

extension JobResultView {
    /// `{"result", "receipt", "state", "error"}` (the store writes the same bytes from the
    /// stored documents without parsing them: `CoordinatorStore.resultBody`).
    public var response: JobResultResponse {
        JobResultResponse(result: result, receipt: receipt.flatMap { try? ReceiptDocument(json: $0) }, state: .known(state), error: error)
    }
}

extension CompletionOutcome {
    /// `{"status": "ok", "receipt": ...}`.
    public var response: CompletionResponse {
        CompletionResponse(receipt: receipt.flatMap { try? ReceiptDocument(json: $0) })
    }
}

extension CoordinatorStats {
    /// The admin stats body with the per-state counts.
    public var response: AdminStatsResponse {
        AdminStatsResponse(
            totalJobs: totalJobs, activeJobs: activeJobs, onlineMiners: onlineMiners,
            averageMinerJobDurationMS: averageMinerJobDurationMS, jobsByState: jobsByState)
    }
}

extension JobSummary {
    /// An admin jobs item.
    /// - Throws: `CoordinatorError.storage` for a damaged row.
    public func item() throws(CoordinatorError) -> AdminJobItem {
        AdminJobItem(
            jobID: try .stored(id), state: .known(state), clientID: clientID, assignedMinerID: try .stored(assignedMinerID),
            requestedAt: WireTime(milliseconds: requestedAt))
    }
}

extension MinerSummary {
    /// An admin miners item.
    /// - Throws: `CoordinatorError.storage` for a damaged row.
    public func item() throws(CoordinatorError) -> AdminMinerItem {
        AdminMinerItem(
            minerID: try .stored(id), status: status, inflight: inflight, reportedInflight: reportedInflight, concurrency: concurrency,
            region: region, lastHeartbeat: WireTime(milliseconds: lastHeartbeat), averageJobDurationMS: averageJobDurationMS,
            jobsCompleted: jobsCompleted, jobsFailed: jobsFailed, lastReceiptID: try .stored(lastReceiptID))
    }
}

extension StoredReceipt {
    /// A public explorer receipts item (issue #10, defect 6): ids, provider, billing facts,
    /// times and hashes — never the receipt itself, whose `metadata` holds the client's
    /// payload, the result and the metrics (the full receipt goes only to the job's client,
    /// `GET /v1/jobs/{id}/receipt`). No `client` either: who buys compute is the client's
    /// business. `receiptHash` (hex SHA-256 of the canonical receipt, spec/receipts.md) lets
    /// anyone holding a full receipt match it. Members that are not of their type (an
    /// object could smuggle data) are null.
    /// - Throws: `CoordinatorError.storage` for a damaged row.
    public func explorerItem() throws(CoordinatorError) -> ExplorerReceipt {
        let coordinator = receipt["attestations"]?.arrayValue?.first?["key_id"]?.stringValue
            ?? receipt["coordinator_id"]?.stringValue ?? receipt["signature"]?["key_id"]?.stringValue
        return ExplorerReceipt(
            receiptID: try .stored(receiptID), jobID: try .stored(jobID), miner: receipt["provider"]?.stringValue, coordinator: coordinator,
            issuedAt: WireTime(milliseconds: createdAt), status: status, units: receipt["units"] ?? .null,
            unitType: receipt["unit_type"]?.stringValue, price: receipt["price"] ?? .null,
            startedAt: WireTime(receiptSeconds: receipt["started_at"]), completedAt: WireTime(receiptSeconds: receipt["completed_at"]),
            artifactHash: receipt["artifact_hash"]?.stringValue, receiptHash: (try? Receipt(json: receipt))?.receiptHashHexIfFinite,
            keyID: receipt["signature"]?["key_id"]?.stringValue)
    }
}

extension Receipt {
    /// `receiptHashHex()`, or nil for a receipt without a canonical form.
    var receiptHashHexIfFinite: String? { try? receiptHashHex() }
}

extension JobStateChange {
    /// The client WebSocket `state.changed` message; nil for a damaged id.
    public var stateChanged: StateChangedMessage? {
        JobID(jobID).map { StateChangedMessage(jobID: $0, state: .known(to), at: WireTime(milliseconds: at)) }
    }

    /// The `result.ready` message, when this change stored a receipt.
    public var resultReady: ResultReadyMessage? {
        guard let jobID = JobID(jobID), let receiptID = receiptID.flatMap(ReceiptID.init) else { return nil }
        return ResultReadyMessage(jobID: jobID, receiptID: receiptID)
    }
}

extension CoordinatorConfiguration {
    /// The body of `GET /v1/keys`: the public halves of the receipt keys, so a verifier need not
    /// be handed them out of band. A contract the `aitbc` CLI codes against: `use`
    /// `receipt-signing` for `RECEIPT_SIGNING_KEY_HEX` and `receipt-attestation` for
    /// `RECEIPT_ATTESTATION_KEY_HEX`; no keys when signing is off. `key_id` is the one
    /// receipt signatures carry (unpadded base64url of the raw key, 43 characters).
    public var publishedKeys: PublishedKeysResponse {
        // Without a signing key no receipt exists, so an attestation key alone signs nothing.
        let published = signingKey == nil ? [] : [(signingKey, "receipt-signing"), (attestationKey, "receipt-attestation")]
        return PublishedKeysResponse(
            keys: published.compactMap { key, use in
                key.map { PublishedKey(keyID: $0.publicKey.keyID, publicKeyHex: $0.publicKey.hex, use: use) }
            })
    }
}
