public import AITBCClient
public import Receipts
import WireModels

/// Where the daemon gets a job's receipts (spec/wallet-daemon.md §12): the coordinator through
/// the SDK, or a test double.
public protocol ReceiptSource: Sendable {
    /// The job's latest receipt.
    /// - Throws: `WalletError.notFound` (`receipt not found`), `.badGateway` (`coordinator unavailable`).
    func latest(jobID: String) async throws(WalletError) -> Receipt
    /// Every receipt of the job, oldest first; empty when the coordinator knows none.
    /// - Throws: `WalletError.badGateway`.
    func history(jobID: String) async throws(WalletError) -> [Receipt]
}

/// The coordinator's receipt routes through `JobsClient` (`X-Api-Key`: `COORDINATOR_API_KEY`).
/// Any failure to get an answer is 502 `coordinator unavailable`, never 500 (§12 [TARGET]).
public struct CoordinatorReceiptSource: ReceiptSource {
    /// The SDK client.
    public let client: JobsClient
    /// Most receipts read for one history (pages of 100).
    public let maxReceipts: Int

    /// A source over the coordinator at `baseURL`.
    public init(baseURL: String, apiKey: String, maxRetries: Int = 2, maxReceipts: Int = 1_000) {
        client = JobsClient(configuration: AITBCConfiguration(baseURL: baseURL, apiKey: apiKey, maxRetries: maxRetries))
        self.maxReceipts = maxReceipts
    }

    public func latest(jobID: String) async throws(WalletError) -> Receipt {
        // Coordinator job ids are 32 lowercase hex; any other id has no receipt.
        guard let id = JobID(jobID) else { throw .notFound("receipt not found", code: "RECEIPT_NOT_FOUND") }
        let receipt: Receipt?
        do {
            receipt = try await client.latestReceipt(id)
        } catch {
            if error.kind == .rejected, error.status == 404 { throw .notFound("receipt not found", code: "RECEIPT_NOT_FOUND") }
            throw Self.unavailable(error)
        }
        guard let receipt else { throw .notFound("receipt not found", code: "RECEIPT_NOT_FOUND") }
        return receipt
    }

    public func history(jobID: String) async throws(WalletError) -> [Receipt] {
        guard let id = JobID(jobID) else { return [] }
        var receipts: [Receipt] = []
        var cursor: String?
        // A coordinator that hands out a cursor it gave before (or pages without receipts)
        // would be asked again and again up to `maxReceipts`: refuse the first, stop at the other.
        var seen: Set<String> = []
        var repeated = false
        do {
            repeat {
                let page = try await client.receiptsPage(id, cursor: cursor, limit: 100)
                receipts += page.items
                cursor = page.nextCursor
                if let next = cursor, !seen.insert(next).inserted {
                    repeated = true
                    break
                }
                if page.items.isEmpty { break }
            } while cursor != nil && receipts.count < maxReceipts
        } catch {
            if error.kind == .rejected, error.status == 404 { return [] }
            throw Self.unavailable(error)
        }
        if repeated {
            throw .badGateway("coordinator sent an invalid receipt history: next_cursor repeats", code: "COORDINATOR_INVALID_ANSWER")
        }
        return receipts
    }

    /// 502 `coordinator unavailable`; a coordinator that refused the key says so (an admin or
    /// miner key is refused on the receipt routes): the fix is `COORDINATOR_API_KEY`, not the network.
    static func unavailable(_ error: AITBCError) -> WalletError {
        if error.kind == .rejected, let status = error.status, status == 401 || status == 403 {
            return .badGateway(
                "coordinator unavailable: it refused COORDINATOR_API_KEY (HTTP \(status)); the receipt routes need a client key",
                code: "COORDINATOR_AUTH")
        }
        // It answered, but not with a receipt of this job (another job's, not an object, not
        // JSON): saying "unavailable" would send the operator after the network.
        if error.kind == .invalidResponse {
            return .badGateway("coordinator sent an invalid receipt", code: "COORDINATOR_INVALID_ANSWER")
        }
        return .badGateway("coordinator unavailable", code: "COORDINATOR_UNAVAILABLE")
    }
}
