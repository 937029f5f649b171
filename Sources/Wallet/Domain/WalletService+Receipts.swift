import Logging
import Metrics
public import WireModels

extension WalletService {
    /// `GET /v1/receipts/{job_id}` / `receipts.verify_latest`: the latest receipt's verdict.
    /// - Throws: 503 while `COORDINATOR_API_KEY` is unset, 404 `receipt not found`, 502
    ///   `coordinator unavailable`; never 500 for a malformed receipt.
    public func verifyLatestReceipt(jobID: String) async throws(WalletError) -> WalletReceiptVerification {
        let source = try requireReceipts()
        return verifier.verify(try await source.latest(jobID: jobID), jobID: jobID)
    }

    /// `GET /v1/receipts/{job_id}/history` / `receipts.verify_history`: one verdict per
    /// receipt; empty when the coordinator knows none.
    /// - Throws: 503, 502 as `verifyLatestReceipt`.
    public func verifyReceiptHistory(jobID: String) async throws(WalletError) -> [WalletReceiptVerification] {
        let source = try requireReceipts()
        return try await source.history(jobID: jobID).map { verifier.verify($0, jobID: jobID) }
    }

    private func requireReceipts() throws(WalletError) -> any ReceiptSource {
        guard let receipts else {
            throw .unavailable("receipt verification needs COORDINATOR_API_KEY", code: "COORDINATOR_NOT_CONFIGURED")
        }
        return receipts
    }
}
