/// Why a transaction was refused, at admission or in block execution. `code` is the wire error
/// code (`{"error":{"code",…}}`), `description` the message; both name what was wrong.
public enum TxRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// `chain_id` names another chain (a replay from another network).
    case wrongChain(expected: String, got: String)
    /// `public_key` does not hash to `sender`.
    case senderKeyMismatch
    /// `public_key` is not a usable Ed25519 key.
    case invalidPublicKey
    /// `sig` does not verify over the id.
    case badSignature
    /// `fee` is below `base_fee + fee_per_byte × payload bytes`.
    case feeTooLow(required: UInt64, offered: UInt64)
    /// `nonce` is at or below the account's: an included transaction sent again, or stale.
    case nonceTooLow(accountNonce: UInt64, got: UInt64)
    /// `nonce` skips ahead of the next expected one.
    case nonceGap(expected: UInt64, got: UInt64)
    /// The balance cannot cover amount + fee (counting the sender's pending transactions).
    case insufficientBalance(balance: UInt64, needed: UInt64)
    /// A balance or the supply would leave 0…Int64.max.
    case amountOverflow
    /// The receipt is not one the chain mints from; `reason` names the rule.
    case invalidReceipt(reason: String)
    /// The receipt's signature is by a key genesis does not pin.
    case unknownCoordinatorKey(keyID: String)
    /// The embedded work claim does not match the receipt or its signature fails.
    case workClaimMismatch(reason: String)
    /// The receipt was claimed before (or another pending claim holds it).
    case receiptAlreadyClaimed(receiptID: String)
    /// The same transaction is already in a block.
    case alreadyIncluded
    /// The same transaction is already pending.
    case alreadyPending
    /// A pending transaction has this (sender, nonce); a replacement must pay at least `required`.
    case replacementUnderpriced(pendingFee: UInt64, required: UInt64)
    /// The signed transaction is larger than a block may carry.
    case tooLarge(bytes: Int, limit: Int)

    /// The wire code.
    public var code: String {
        switch self {
        case .wrongChain: "WRONG_CHAIN"
        case .senderKeyMismatch: "SENDER_KEY_MISMATCH"
        case .invalidPublicKey: "INVALID_PUBLIC_KEY"
        case .badSignature: "BAD_SIGNATURE"
        case .feeTooLow: "FEE_TOO_LOW"
        case .nonceTooLow: "NONCE_TOO_LOW"
        case .nonceGap: "NONCE_GAP"
        case .insufficientBalance: "INSUFFICIENT_BALANCE"
        case .amountOverflow: "AMOUNT_OVERFLOW"
        case .invalidReceipt: "INVALID_RECEIPT"
        case .unknownCoordinatorKey: "UNKNOWN_COORDINATOR_KEY"
        case .workClaimMismatch: "WORK_CLAIM_MISMATCH"
        case .receiptAlreadyClaimed: "RECEIPT_ALREADY_CLAIMED"
        case .alreadyIncluded: "TX_ALREADY_INCLUDED"
        case .alreadyPending: "TX_ALREADY_PENDING"
        case .replacementUnderpriced: "REPLACEMENT_UNDERPRICED"
        case .tooLarge: "TX_TOO_LARGE"
        }
    }

    /// The message.
    public var description: String {
        switch self {
        case .wrongChain(let expected, let got): "chain_id: this node runs \(expected), the transaction names \(got)"
        case .senderKeyMismatch: "sender: is not the address of public_key"
        case .invalidPublicKey: "public_key: not a valid Ed25519 public key"
        case .badSignature: "sig: does not verify over the transaction id with public_key"
        case .feeTooLow(let required, let offered): "fee: \(offered) is below the required \(required)"
        case .nonceTooLow(let accountNonce, let got): "nonce: \(got) is already used (account nonce \(accountNonce))"
        case .nonceGap(let expected, let got): "nonce: expected \(expected), got \(got)"
        case .insufficientBalance(let balance, let needed): "balance \(balance) cannot cover \(needed)"
        case .amountOverflow: "amount: the resulting balance or supply would exceed \(Int64.max)"
        case .invalidReceipt(let reason): "payload.receipt: \(reason)"
        case .unknownCoordinatorKey(let keyID): "payload.receipt.signature: key \(keyID) is not a coordinator key pinned in genesis"
        case .workClaimMismatch(let reason): "payload.receipt.metadata.work_claim: \(reason)"
        case .receiptAlreadyClaimed(let receiptID): "payload.receipt: receipt \(receiptID) is already claimed"
        case .alreadyIncluded: "the transaction is already in a block"
        case .alreadyPending: "the transaction is already pending"
        case .replacementUnderpriced(let pendingFee, let required):
            "fee: a pending transaction with this nonce pays \(pendingFee); a replacement must pay at least \(required)"
        case .tooLarge(let bytes, let limit): "the transaction is \(bytes) bytes; at most \(limit) fit a block"
        }
    }
}
