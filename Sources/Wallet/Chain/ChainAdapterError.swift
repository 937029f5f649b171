/// Why a ledger call failed, with the HTTP status and `code` the daemon's routes answer with
/// (spec/wallet-daemon.md §8: new routes use `{"detail", "code"}`). Messages name what was
/// wrong and never carry key material.
public enum ChainAdapterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The amount is not usable here (a fraction on the chain, zero, above the maximum).
    case invalidAmount(String)
    /// The sender's balance cannot cover amount (+ fee on the chain); the message names both.
    case insufficientFunds(String)
    /// The chain node refused the transaction (`code` is the node's, e.g. `FEE_TOO_LOW`).
    case rejected(code: String, message: String, status: Int)
    /// The node could not be reached or answered what its API does not document; whether a
    /// transfer was admitted is then unknown (`status` of the transfer tells later).
    case unavailable(String)
    /// No such transfer.
    case notFound(String)
    /// Something this ledger does not do (a memo on the chain, nonces offline).
    case unsupported(String)
    /// The wallet's own SQLite ledger failed.
    case storage(String)

    /// The HTTP status the daemon answers with (RFC 9110).
    public var httpStatus: Int {
        switch self {
        case .invalidAmount, .insufficientFunds, .unsupported: 400
        // The node's 409 (nonce, duplicate) and 429 (mempool full, rate) pass through; any
        // other refusal is the caller's request.
        case .rejected(_, _, let status): status == 409 || status == 429 ? status : 400
        case .unavailable: 502
        case .notFound: 404
        case .storage: 503
        }
    }

    /// The machine-readable code.
    public var code: String {
        switch self {
        case .invalidAmount: "INVALID_AMOUNT"
        case .insufficientFunds: "INSUFFICIENT_FUNDS"
        case .rejected(let code, _, _): code
        case .unavailable: "CHAIN_UNAVAILABLE"
        case .notFound: "TX_NOT_FOUND"
        case .unsupported: "UNSUPPORTED"
        case .storage: "LEDGER_UNAVAILABLE"
        }
    }

    /// What went wrong, for people.
    public var description: String {
        switch self {
        case .invalidAmount(let reason): "amount: \(reason)"
        case .insufficientFunds(let reason): "insufficient funds: \(reason)"
        case .rejected(let code, let message, _): "the chain node refused the transaction (\(code)): \(message)"
        case .unavailable(let reason): "chain node unavailable: \(reason)"
        case .notFound(let id): "transaction \(id) not found"
        case .unsupported(let reason): reason
        case .storage(let reason): "wallet ledger unavailable: \(reason)"
        }
    }
}
