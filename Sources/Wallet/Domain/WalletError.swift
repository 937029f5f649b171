public import WireModels

/// Why a wallet operation failed, mapped once to REST (status, `detail`, `code`) and JSON-RPC
/// (error code). Messages are the reference's `detail` strings where §8 fixes them and never
/// carry a password, secret, mnemonic or message.
public enum WalletError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400 with the reference's detail (`invalid base64 secret`, a password rule, …).
    case invalidRequest(String, code: String = "INVALID_REQUEST")
    /// 422: the body broke the schema (`{"detail": [{"loc", "msg", "type"}]}`).
    case validation([WalletErrorBody.Issue])
    /// 401 `invalid credentials`: unknown wallet and wrong password alike.
    case invalidCredentials
    /// 401 `wallet is locked`: no password and no unlocked key.
    case locked
    /// 401 `unauthorized`: `X-Auth-Token` missing or wrong.
    case unauthorized
    /// 404.
    case notFound(String, code: String = "NOT_FOUND")
    /// 429 with `Retry-After` (`rate limit exceeded`, or the password lockout).
    case rateLimited(retryAfter: Int, detail: String)
    /// 413: the body is larger than `MAX_BODY_BYTES`.
    case payloadTooLarge(limit: Int)
    /// 502: a dependency answered badly or not at all.
    case badGateway(String, code: String)
    /// 503: a dependency is not configured or not available.
    case unavailable(String, code: String)
    /// Another status the chain adapter chose (its 400/404/409/429/502/503).
    case ledger(status: Int, detail: String, code: String)
    /// 500: a fault of this daemon (corrupt keystore, storage); the detail is generic.
    case internalError(String)

    /// The REST status.
    public var status: Int {
        switch self {
        case .invalidRequest: 400
        case .validation: 422
        case .invalidCredentials, .locked, .unauthorized: 401
        case .notFound: 404
        case .rateLimited: 429
        case .payloadTooLarge: 413
        case .badGateway: 502
        case .unavailable: 503
        case .ledger(let status, _, _): status
        case .internalError: 500
        }
    }

    /// The §8 PLAN code (new routes carry it beside `detail`).
    public var code: String {
        switch self {
        case .invalidRequest(_, let code): code
        case .validation: "VALIDATION_ERROR"
        case .invalidCredentials: "BAD_PASSWORD"
        case .locked: "WALLET_LOCKED"
        case .unauthorized: "UNAUTHORIZED"
        case .notFound(_, let code): code
        case .rateLimited: "RATE_LIMIT"
        case .payloadTooLarge: "PAYLOAD_TOO_LARGE"
        case .badGateway(_, let code), .unavailable(_, let code), .ledger(_, _, let code): code
        case .internalError: "INTERNAL_ERROR"
        }
    }

    /// The `detail` sentence.
    public var description: String {
        switch self {
        case .invalidRequest(let detail, _): detail
        case .validation(let issues): WalletErrorBody(issues: issues).message
        case .invalidCredentials: "invalid credentials"
        case .locked: "wallet is locked"
        case .unauthorized: "unauthorized"
        case .notFound(let detail, _): detail
        case .rateLimited(_, let detail): detail
        case .payloadTooLarge(let limit): "request body larger than \(limit) bytes (MAX_BODY_BYTES)"
        case .badGateway(let detail, _), .unavailable(let detail, _), .ledger(_, let detail, _): detail
        case .internalError: "internal error"
        }
    }

    /// The JSON-RPC error code (§9 plus the wallet's own).
    public var rpcCode: Int {
        switch self {
        case .invalidRequest, .validation: JSONRPCErrorCode.invalidParams
        case .invalidCredentials: JSONRPCErrorCode.invalidCredentials
        case .locked, .unauthorized: JSONRPCErrorCode.walletLocked
        case .notFound(_, let code): code == "RECEIPT_NOT_FOUND" ? JSONRPCErrorCode.receiptNotFound : JSONRPCErrorCode.notFound
        case .rateLimited: JSONRPCErrorCode.rateLimited
        case .payloadTooLarge: JSONRPCErrorCode.invalidRequest
        case .badGateway, .unavailable: JSONRPCErrorCode.unavailable
        case .ledger(let status, _, _): status == 429 ? JSONRPCErrorCode.rateLimited : status >= 500 ? JSONRPCErrorCode.unavailable : JSONRPCErrorCode.invalidParams
        case .internalError: JSONRPCErrorCode.internalError
        }
    }

    /// A schema violation of `error` as the reference's 422 list.
    static func validation(_ error: WireDecodingError) -> WalletError {
        let missing = error.reason == "field required"
        return .validation([
            WalletErrorBody.Issue(
                loc: ["body"] + (error.field == "body" ? [] : error.field.split(separator: ".").map(String.init)), msg: error.reason,
                type: missing ? "value_error.missing" : "value_error")
        ])
    }
}
