import ServiceRuntime
public import WireModels
import TerminalText

/// Every failure a coordinator operation reports, each with the HTTP status and machine code
/// the edge maps it to (spec/coordinator.md §4: legacy `detail` text plus `error.code`).
///
/// Descriptions never carry API keys, payloads or results.
public enum CoordinatorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The 422 for a wire message that did not decode: the field and rule, with the names a
    /// peer sent escaped (they are echoed back).
    public init(_ error: WireDecodingError) {
        self = .invalidPayload(error.message(displayingNames: { UntrustedText.display($0) }))
    }

    /// Unknown job, or a job owned by another client (404 `job not found`).
    case jobNotFound
    /// The job exists but has no receipt (404 `RECEIPT_NOT_AVAILABLE`, legacy `detail`
    /// `receipt not available`): not COMPLETED, or completed while signing was off. `state` is
    /// the job's, for the message.
    case receiptNotAvailable(state: JobState)
    /// The job is still QUEUED/RUNNING (425 `job not ready`).
    case jobNotReady
    /// Cancel of a job that is not QUEUED/RUNNING (409 `job not cancelable`); `state` is the
    /// job's, for the message and `details.state` (nil when it changed during the cancel).
    case jobNotCancelable(state: JobState?)
    /// A transition the state machine refuses, e.g. result on a non-RUNNING job (409).
    case conflictState(String)
    /// Same Idempotency-Key with a different body (409).
    case idempotencyConflict
    /// The caller is not the job's assigned miner (403).
    case forbidden(String)
    /// Heartbeat/poll/result by a miner that never registered (404 `miner not registered`).
    case minerNotRegistered
    /// A field breaks a rule (422); the value names the field and the rule, never the input.
    case invalidPayload(String)
    /// A body, payload, result or capability document above its limit (413).
    case payloadTooLarge(limit: Int)
    /// Missing or unknown API key, or a key of another role (401 `UNAUTHORIZED_KEY`; legacy
    /// `detail` `invalid api key`, `message` names which and how to fix it).
    case unauthorized(KeyRefusal)
    /// The principal's token bucket is empty (429); retry after that many seconds.
    case rateLimited(retryAfterSeconds: Int)
    /// The client already has `limit` jobs QUEUED (429 `QUOTA_EXCEEDED`): one client cannot
    /// fill the queue for everyone (issue 10).
    case queueQuotaExceeded(limit: Int)
    /// The client already has jobs QUEUED under `limit` distinct constraint sets and this job
    /// would add one more (429 `QUOTA_EXCEEDED`): a claim's cost grows with the constraint sets
    /// queued, so their number per client is bounded (issue 10).
    case constraintSetQuotaExceeded(limit: Int)
    /// The body's `X-Signature` is missing or wrong (401).
    case invalidSignature
    /// Storage failed (500); the text is for logs, not for clients.
    case storage(String)
    /// A transport that cannot carry `X-Signature` while `HMAC_SECRET` is set (403
    /// `SIGNATURE_REQUIRED`); the text says which transport to use instead.
    case signatureRequired(String)
    /// Registration with a `public_key` other than the one pinned at first registration (409
    /// `MINER_KEY_PINNED`): only an admin rotation replaces a pinned key.
    case minerKeyPinned(minerID: String)
    /// Registration without a `public_key` for a miner whose key is pinned (409
    /// `MINER_KEY_PINNED`): it could not sign the work claims its results need.
    case minerKeyRequired(minerID: String)

    /// The HTTP status code the edge answers with.
    public var httpStatus: Int {
        switch self {
        case .jobNotFound, .receiptNotAvailable, .minerNotRegistered: 404
        case .jobNotReady: 425
        case .jobNotCancelable, .conflictState, .idempotencyConflict: 409
        case .forbidden: 403
        case .invalidPayload: 422
        case .payloadTooLarge: 413
        case .unauthorized, .invalidSignature: 401
        case .rateLimited, .queueQuotaExceeded, .constraintSetQuotaExceeded: 429
        case .storage: 500
        case .signatureRequired: 403
        case .minerKeyPinned, .minerKeyRequired: 409
        }
    }

    /// The machine-readable code of the `{"error":{"code"}}` body.
    public var code: String {
        switch self {
        case .jobNotFound: "JOB_NOT_FOUND"
        case .receiptNotAvailable: "RECEIPT_NOT_AVAILABLE"
        case .jobNotReady: "JOB_NOT_READY"
        case .jobNotCancelable, .conflictState, .idempotencyConflict: "CONFLICT_STATE"
        case .forbidden: "FORBIDDEN"
        case .minerNotRegistered: "MINER_NOT_REGISTERED"
        case .invalidPayload: "INVALID_PAYLOAD"
        case .payloadTooLarge: "PAYLOAD_TOO_LARGE"
        case .unauthorized: "UNAUTHORIZED_KEY"
        case .invalidSignature: "INVALID_SIGNATURE"
        case .rateLimited: "RATE_LIMITED"
        case .queueQuotaExceeded, .constraintSetQuotaExceeded: "QUOTA_EXCEEDED"
        case .storage: "INTERNAL_ERROR"
        case .signatureRequired: "SIGNATURE_REQUIRED"
        case .minerKeyPinned, .minerKeyRequired: "MINER_KEY_PINNED"
        }
    }

    /// The legacy `{"detail": "..."}` text existing clients match on.
    public var detail: String {
        switch self {
        case .jobNotFound: "job not found"
        case .receiptNotAvailable: "receipt not available"
        case .jobNotReady: "job not ready"
        case .jobNotCancelable: "job not cancelable"
        case .conflictState(let reason): reason
        case .idempotencyConflict: "idempotency key reused with a different body"
        case .forbidden(let reason): reason
        case .minerNotRegistered: "miner not registered"
        case .invalidPayload(let reason): reason
        case .payloadTooLarge(let limit): "payload too large (limit \(limit) bytes)"
        case .unauthorized: "invalid api key"
        case .invalidSignature: "invalid signature"
        case .rateLimited: "rate limit exceeded"
        case .queueQuotaExceeded(let limit):
            "queued-job quota reached (\(limit) jobs QUEUED for this client); submit again when some have been assigned"
        case .constraintSetQuotaExceeded(let limit):
            "constraint-set quota reached (jobs QUEUED under \(limit) different constraint sets for this client); reuse one of them or wait"
        case .storage: "internal error"
        case .signatureRequired(let reason): reason
        case .minerKeyPinned(let minerID):
            "the public key of miner \(minerID) is pinned: an admin must rotate it with POST /v1/admin/miners/\(minerID)/rotate-key"
        case .minerKeyRequired(let minerID):
            "miner \(minerID) registered a public key and every result needs a claim signed with it: register with that key (aitbc-miner key_file), or have an admin rotate it with POST /v1/admin/miners/\(minerID)/rotate-key"
        }
    }

    /// The `error.message` of the body: `detail`, or where that legacy text is too terse to act
    /// on (401, missing receipt) the cause and the fix (issue #12).
    public var message: String {
        switch self {
        case .unauthorized(let refusal): refusal.message
        case .receiptNotAvailable(let state):
            switch state {
            case .completed:
                "receipt not available: the job COMPLETED while this coordinator signed no receipts (RECEIPT_SIGNING_KEY_HEX unset)"
            case .queued, .running:
                "receipt not available: the job is \(state.rawValue); its receipt is issued when it completes"
            case .failed, .canceled, .expired:
                "receipt not available: the job is \(state.rawValue); only COMPLETED jobs get a receipt"
            }
        case .jobNotCancelable(let state?): "job not cancelable: it is \(state.rawValue); only QUEUED and RUNNING jobs can be canceled"
        case .jobNotCancelable(nil): "job not cancelable: its state changed during the cancel; read it again"
        default: detail
        }
    }

    /// `code: message`, plus the storage reason for logs.
    public var description: String {
        if case .storage(let reason) = self { return "\(code): \(reason)" }
        return "\(code): \(message)"
    }
}

/// Why an API key was refused (401 `UNAUTHORIZED_KEY`). Never carries the key.
public enum KeyRefusal: Sendable, Equatable {
    /// No `X-Api-Key` and no `Authorization: Bearer` (nor, on a WebSocket upgrade, `api_key`).
    case missing
    /// The key is configured for no role.
    case unknown
    /// The key belongs to `keyRole`; the route needs one of `routeRole`.
    case otherRole(keyRole: Role, routeRole: Role)

    /// What a caller reads in `error.message`: the cause and the fix.
    public var message: String {
        switch self {
        case .missing: "no API key: send X-Api-Key or Authorization: Bearer"
        case .unknown: "unknown API key"
        case .otherRole(let keyRole, let routeRole):
            "this is \(Self.article(keyRole)) \(keyRole.rawValue) key; this route needs \(Self.article(routeRole)) \(routeRole.rawValue) key"
        }
    }

    private static func article(_ role: Role) -> String { role == .admin ? "an" : "a" }
}
