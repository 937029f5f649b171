import HTTP1
public import JSON
public import WireModels

extension WalletClient {
    /// `GET /v1/wallets/{id}/balance[?account_id=]`: the balance through the daemon's chain
    /// adapter; `ledger` says whether it is the chain's or the offline ledger's.
    /// - Throws: `AITBCError`; 404 for an unknown wallet or account; 502 when the chain node
    ///   cannot be reached.
    public func balance(_ walletID: String, accountID: String? = nil) async throws(AITBCError) -> WalletBalanceView {
        let query = accountID.map { [(name: "account_id", value: $0)] } ?? []
        return try Self.decode(WalletBalanceView.self, try await get(Self.wallet(walletID, "/balance"), query: query))
    }

    /// `POST /v1/wallets/{id}/send`: a transfer signed by the daemon with the wallet's key
    /// (unlocked, or with `request.password`), numbered by its nonce allocator. Never retried:
    /// a lost answer is looked up with `transactions`, not sent again.
    /// - Throws: `AITBCError`; 400 `INSUFFICIENT_FUNDS`, `INVALID_AMOUNT`, the chain's codes
    ///   (`FEE_TOO_LOW`, …); 401 `WALLET_LOCKED`; 502 when the chain node cannot be reached.
    public func send(_ walletID: String, _ request: WalletSendRequest) async throws(AITBCError) -> WalletTransactionView {
        try Self.decode(WalletTransactionView.self, try await post(Self.wallet(walletID, "/send"), request.bytes, retryable: false))
    }

    /// `GET /v1/wallets/{id}/transactions`: the transfers the wallet sent (and received from its
    /// own accounts), newest first, pending ones checked with the node.
    /// - Throws: `AITBCError`.
    public func transactions(_ walletID: String, accountID: String? = nil, limit: Int? = nil) async throws(AITBCError)
        -> WalletTransactionListResponse
    {
        var query: [(name: String, value: String)] = []
        if let accountID { query.append((name: "account_id", value: accountID)) }
        if let limit { query.append((name: "limit", value: String(limit))) }
        return try Self.decode(WalletTransactionListResponse.self, try await get(Self.wallet(walletID, "/transactions"), query: query))
    }

    /// `GET /v1/receipts/{job_id}`: the job's latest receipt fetched from the coordinator and
    /// verified against the daemon's pinned keys, per signature (`valid`, `trusted`, `reason`).
    /// - Throws: `AITBCError`; 404 `receipt not found`; 502 `coordinator unavailable`; 503 while
    ///   the daemon has no `COORDINATOR_API_KEY`.
    public func verifyReceipt(jobID: String) async throws(AITBCError) -> WalletReceiptResponse {
        try Self.decode(WalletReceiptResponse.self, try await get("/v1/receipts/" + PathSegment.encode(jobID)))
    }

    /// `GET /v1/receipts/{job_id}/history`: every receipt of the job, verified.
    /// - Throws: `AITBCError`; 502 `coordinator unavailable`.
    public func verifyReceiptHistory(jobID: String) async throws(AITBCError) -> WalletReceiptHistoryResponse {
        try Self.decode(WalletReceiptHistoryResponse.self, try await get("/v1/receipts/" + PathSegment.encode(jobID) + "/history"))
    }

    /// `POST /rpc`: one JSON-RPC 2.0 call (`wallet.list`, `wallet.unlock`, …); the reply's
    /// `error` member is returned, not thrown (the HTTP status is 200 for handled outcomes).
    /// Never retried. A notification (`id` nil) gets no reply: nil.
    /// - Throws: `AITBCError` for a transport failure or an HTTP error.
    public func rpc(method: String, params: JSONValue? = nil, id: JSONRPCID? = JSONRPCID(1)) async throws(AITBCError) -> JSONRPCResponse? {
        let request = JSONRPCRequest(method: method, params: params, id: id)
        let response = try await post("/rpc", request.bytes, retryable: false)
        if response.status == 204 || response.body.isEmpty { return nil }
        return try Self.decode(JSONRPCResponse.self, response)
    }
}
