import Logging
import Metrics
public import WireModels

extension WalletService {
    /// `GET /v1/receipts/{job_id}` / `receipts.verify_latest`: the latest receipt's verdict.
    /// - Throws: 503 while `COORDINATOR_API_KEY` is unset, 404 `receipt not found`, 502
    ///   `coordinator unavailable`; never 500 for a malformed receipt.
    public func verifyLatestReceipt(jobID: String) async throws(WalletError) -> WalletReceiptVerification {
        let source = try requireReceipts()
        let receipt = try await logged { () async throws(WalletError) in try await source.latest(jobID: jobID) }
        return await withClaimStatus(verifier.verify(receipt, jobID: jobID))
    }

    /// `GET /v1/receipts/{job_id}/history` / `receipts.verify_history`: one verdict per
    /// receipt; empty when the coordinator knows none.
    /// - Throws: 503, 502 as `verifyLatestReceipt`.
    public func verifyReceiptHistory(jobID: String) async throws(WalletError) -> [WalletReceiptVerification] {
        let source = try requireReceipts()
        let receipts = try await logged { () async throws(WalletError) in try await source.history(jobID: jobID) }
        var verified: [WalletReceiptVerification] = []
        // Once the chain cannot answer, the rest are left unknown rather than each waiting out
        // the client's retries (a history page holds up to 100 receipts).
        var askChain = true
        for receipt in receipts {
            var verification = verifier.verify(receipt, jobID: jobID)
            if askChain {
                verification = await withClaimStatus(verification)
                askChain = verification.claimedOnChain != nil || verification.receiptID.isEmpty || chain == nil
            }
            verified.append(verification)
        }
        return verified
    }

    /// Adds `claimed_on_chain` when a chain ledger is configured and answers (issue 15 Deliver 5:
    /// which of a job's receipts were claimed); left out when unknown, never guessed.
    private func withClaimStatus(_ verification: WalletReceiptVerification) async -> WalletReceiptVerification {
        guard let chain, !verification.receiptID.isEmpty else { return verification }
        var verification = verification
        verification.claimedOnChain = await chain.isReceiptClaimed(verification.receiptID)
        return verification
    }

    private func requireReceipts() throws(WalletError) -> any ReceiptSource {
        guard let receipts else {
            throw .unavailable("receipt verification needs COORDINATOR_API_KEY", code: "COORDINATOR_NOT_CONFIGURED")
        }
        return receipts
    }

    /// `body`, with a coordinator failure written to the log (the operator reads why there).
    private func logged<T>(_ body: () async throws(WalletError) -> T) async throws(WalletError) -> T {
        do {
            return try await body()
        } catch {
            if case .badGateway = error {
                logger.warning("coordinator failure", metadata: ["coordinator": "\(configuration.coordinatorBaseURL)", "error": "\(error)", "code": "\(error.code)"])
            }
            throw error
        }
    }
}
