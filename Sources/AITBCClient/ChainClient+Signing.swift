public import Cryptography
public import JSON
import Ledger
public import WireModels

extension ChainClient {
    /// A transaction from `key`'s account, signed here (the key never leaves the process):
    /// the nonce is the account's `next_nonce` as the node reports it (its pending transactions
    /// counted), the fee `fee` or else the node's estimate for `payload`.
    ///
    /// Two transactions prepared concurrently from one account get the same nonce (the second
    /// one sent replaces the first only with a higher fee); prepare them one after another, or
    /// number them yourself with `TransactionMessage.make`.
    /// - Throws: `AITBCError` from reading the account or the estimate; `.invalidRequest` for
    ///   an amount or fee above `Int64.max` or a payload that cannot be hashed.
    public func prepareTransaction(
        _ payload: TransactionPayload, key: Ed25519.PrivateKey, fee: UInt64? = nil
    ) async throws(AITBCError) -> TransactionMessage {
        // The wire holds amounts up to Int64.max; a larger one would be clamped, not sent.
        if case .transfer(_, let amount) = payload, amount > UInt64(Int64.max) {
            throw .invalidRequest("amount: must be at most \(Int64.max)")
        }
        if let fee, fee > UInt64(Int64.max) { throw .invalidRequest("fee: must be at most \(Int64.max)") }
        let account = try await account(Address(publicKey: key.publicKey))
        let chosenFee: UInt64
        if let fee {
            chosenFee = fee
        } else {
            chosenFee = try await estimateFee(for: payload).estimatedFee
        }
        do {
            return try TransactionMessage.make(chainID: chainID, key: key, nonce: account.nextNonce, fee: chosenFee, payload: payload)
        } catch {
            throw .invalidRequest(error.description)
        }
    }

    /// Sends `amount` from `key`'s account to `to`: prepared as `prepareTransaction` does,
    /// then `send`.
    /// - Throws: `AITBCError` as `prepareTransaction` and `send`.
    public func transfer(from key: Ed25519.PrivateKey, to: Address, amount: UInt64, fee: UInt64? = nil) async throws(AITBCError) -> SendTxResponse {
        try await send(try await prepareTransaction(.transfer(to: to, amount: amount), key: key, fee: fee))
    }

    /// Claims the AIT a coordinator receipt mints (`RECEIPT_CLAIM`), signed and paid for by
    /// `key`'s account. The chain pays the work claim's `payout_address` (else the miner key's
    /// address), whoever sends the claim; the fee is charged after the mint, so a miner's
    /// first claim can pay for itself.
    /// - Parameter receipt: the receipt as the coordinator served it, `signature` included.
    /// - Throws: `AITBCError`; `.invalidRequest` when `receipt` is not a JSON object; 400
    ///   `INVALID_RECEIPT`, `UNKNOWN_COORDINATOR_KEY`, `WORK_CLAIM_MISMATCH`,
    ///   `RECEIPT_ALREADY_CLAIMED` from the node.
    public func claim(receipt: JSONValue, key: Ed25519.PrivateKey, fee: UInt64? = nil) async throws(AITBCError) -> SendTxResponse {
        guard case .object = receipt else { throw .invalidRequest("receipt: must be a JSON object") }
        return try await send(try await prepareTransaction(.receiptClaim(receipt: receipt), key: key, fee: fee))
    }
}
