import HTTP1
public import Ledger
public import WireModels

/// Everything the chain node's domain API refuses, with its HTTP status and wire code.
public enum ChainError: Error, Sendable, CustomStringConvertible {
    /// A request body that does not decode (`field: rule`).
    case invalidRequest(WireDecodingError)
    /// A malformed path parameter (an address, hash or receipt id): 400 naming it.
    case invalidParameter(WireDecodingError)
    /// The ledger's rules refuse the transaction.
    case rejected(TxRejection)
    /// The mempool is at its bound; retry after the next block.
    case mempoolFull(retryAfterSeconds: Int)
    /// Too many submissions from this client.
    case rateLimited(retryAfterSeconds: Int)
    /// A block, transaction, receipt or route that does not exist.
    case notFound(code: String, message: String)
    /// The admin token is missing or wrong.
    case unauthorized
    /// The database failed.
    case storage(String)

    /// The HTTP status (RFC 9110).
    public var status: Int {
        switch self {
        case .invalidRequest(let error):
            // A malformed address or hash is a 400 naming the field (issue 13); other shapes 422 (spec §8).
            if case .invalid(let reason) = error.problem, reason == Address.rule || reason == Hash32.rule { return 400 }
            return 422
        case .invalidParameter: return 400
        case .rejected(let rejection):
            switch rejection {
            case .alreadyIncluded, .alreadyPending, .replacementUnderpriced, .receiptAlreadyClaimed, .nonceTooLow: return 409
            case .tooLarge: return 413
            default: return 400
            }
        case .mempoolFull, .rateLimited: return 429
        case .notFound: return 404
        case .unauthorized: return 401
        case .storage: return 503
        }
    }

    /// The wire code.
    public var code: String {
        switch self {
        case .invalidRequest(let error): status == 400 ? "INVALID_FIELD" : (error.problem == .invalid("field required") ? "FIELD_REQUIRED" : "VALIDATION_ERROR")
        case .invalidParameter: "INVALID_FIELD"
        case .rejected(let rejection): rejection.code
        case .mempoolFull: "MEMPOOL_FULL"
        case .rateLimited: "RATE_LIMITED"
        case .notFound(let code, _): code
        case .unauthorized: "UNAUTHORIZED"
        case .storage: "STORAGE_UNAVAILABLE"
        }
    }

    /// The message.
    public var description: String {
        switch self {
        case .invalidRequest(let error), .invalidParameter(let error): error.description
        case .rejected(let rejection): rejection.description
        case .mempoolFull: "the mempool is full; retry after the next block"
        case .rateLimited(let seconds): "too many submissions; retry in \(seconds) s"
        case .notFound(_, let message): message
        case .unauthorized: "a valid admin token is required (Authorization: Bearer …)"
        case .storage: "the chain database is unavailable"
        }
    }

    /// The field a rejection or decoding error names, for `details.field`.
    public var field: String? {
        switch self {
        case .invalidRequest(let error), .invalidParameter(let error): error.field
        default: nil
        }
    }
}
