import HTTP1
public import HTTPClient
public import JSON
import Ledger
public import WireModels

/// A chain node's RPC API (docs/sdk.md "Chain"): the head, blocks, transactions, claimed
/// receipts and accounts; sending signed transactions alone or in batches; fee estimates and
/// the devnet faucet. `ChainClient+Signing` adds transfers and receipt claims signed here,
/// `ChainClient+Wait` waiting for a transaction to be included.
///
/// Every call goes through a `CoordinatorTransport`, so timeouts, retries and errors are the
/// coordinator clients' own (`AITBCError`). Reads are retried as `RetryPolicy` allows; so are
/// `sendTx`/`sendTxs`: a signed transaction's id is the hash of its body, so a repeat is the
/// same transaction and the node never applies it twice.
///
/// ```swift
/// let chain = ChainClient(configuration: ChainConfiguration(baseURL: "http://127.0.0.1:8080"))
/// let sent = try await chain.transfer(from: key, to: recipient, amount: 1_000)
/// let included = try await chain.waitForInclusion(sent.txHash, timeout: .seconds(30))
/// ```
public struct ChainClient: Sendable {
    /// The connection requests go through.
    public let transport: CoordinatorTransport
    /// The chain transactions are signed for.
    public let chainID: String

    /// A client over `transport` (which carries the node's base URL and no path prefix).
    public init(transport: CoordinatorTransport, chainID: String = ChainConfiguration.defaultChainID) {
        self.transport = transport
        self.chainID = chainID
    }

    /// A client with a transport of its own; `http` lets it share an existing pool.
    public init(configuration: ChainConfiguration, http: HTTPClient? = nil) {
        self.init(transport: CoordinatorTransport(configuration: configuration.connection, http: http), chainID: configuration.chainID)
    }

    /// Closes the transport's own idle connections; later calls fail.
    public func shutdown() async { await transport.shutdown() }

    /// `GET /rpc/head`: the latest block's height, hash and time.
    /// - Throws: `AITBCError`.
    public func head() async throws(AITBCError) -> HeadView {
        try Self.decode(HeadView.self, try await get("/rpc/head"))
    }

    /// `GET /rpc/blocks/{height}`.
    /// - Throws: `AITBCError`; 404 for a height above the head; `.invalidResponse` for a block
    ///   of another height.
    public func block(height: UInt64) async throws(AITBCError) -> BlockView {
        let response = try await get("/rpc/blocks/\(height)")
        let block = try Self.decode(BlockView.self, response)
        guard block.height == height else { throw Self.otherAnswer("block \(block.height) for height \(height)", response) }
        return block
    }

    /// `GET /rpc/getBlock/{hash}`.
    /// - Throws: `AITBCError`; 404 for a hash the node does not know; `.invalidResponse` for
    ///   a block with another hash.
    public func block(hash: BlockHash) async throws(AITBCError) -> BlockView {
        let response = try await get("/rpc/getBlock/\(hash.rawValue)")
        let block = try Self.decode(BlockView.self, response)
        guard block.hash == hash else { throw Self.otherAnswer("block \(block.hash.rawValue) for \(hash.rawValue)", response) }
        return block
    }

    /// `GET /rpc/tx/{hash}`: pending or included.
    /// - Throws: `AITBCError`; 404 `TX_NOT_FOUND` when the node does not know it.
    public func transaction(_ hash: TxHash) async throws(AITBCError) -> TxView {
        let response = try await get("/rpc/tx/\(hash.rawValue)")
        let view = try Self.decode(TxView.self, response)
        guard view.txHash == hash else { throw Self.otherAnswer("transaction \(view.txHash.rawValue) for \(hash.rawValue)", response) }
        return view
    }

    /// `GET /rpc/receipts/{receipt_id}`: a claimed receipt and what it minted.
    /// - Throws: `AITBCError`; 404 for a receipt never claimed.
    public func receipt(_ id: ReceiptID) async throws(AITBCError) -> ChainReceiptView {
        let response = try await get("/rpc/receipts/\(PathSegment.encode(id.rawValue))")
        let view = try Self.decode(ChainReceiptView.self, response)
        guard view.receiptID == id else { throw Self.otherAnswer("receipt \(view.receiptID.rawValue) for \(id.rawValue)", response) }
        return view
    }

    /// `GET /rpc/getBalance/{address}`: balance, nonce and the next nonce (pending
    /// transactions counted). An address never seen has balance 0 and nonce 0.
    /// - Throws: `AITBCError`.
    public func account(_ address: Address) async throws(AITBCError) -> AccountView {
        let response = try await get("/rpc/getBalance/\(PathSegment.encode(address.rawValue))")
        let view = try Self.decode(AccountView.self, response)
        guard view.address == address else { throw Self.otherAnswer("account \(view.address.rawValue) for \(address.rawValue)", response) }
        return view
    }

    /// `POST /rpc/sendTx`: admits a signed transaction to the mempool.
    ///
    /// Sending a transaction the node already holds is not an error: the answer to
    /// `TX_ALREADY_PENDING` / `TX_ALREADY_INCLUDED` is its id with status `pending` / `included`
    /// (a retry after a lost answer, or the same transaction sent twice, is one transaction).
    /// - Throws: `AITBCError`; `.invalidRequest` for an unsigned transaction; 400 with the
    ///   node's code (`FEE_TOO_LOW`, `NONCE_GAP`, `INSUFFICIENT_BALANCE`, …); 429 once the
    ///   retries (which honour `Retry-After`) are spent; `.invalidResponse` when the node
    ///   answers another id than the transaction's.
    public func send(_ transaction: TransactionMessage) async throws(AITBCError) -> SendTxResponse {
        let id = try Self.identify(transaction)
        let response: CoordinatorResponse
        do {
            response = try await post("/rpc/sendTx", transaction.bytes)
        } catch where error.kind == .rejected && error.serverCode == "TX_ALREADY_PENDING" {
            return SendTxResponse(txHash: id, status: .pending)
        } catch where error.kind == .rejected && error.serverCode == "TX_ALREADY_INCLUDED" {
            return SendTxResponse(txHash: id, status: .included)
        }
        let answer = try Self.decode(SendTxResponse.self, response)
        guard answer.txHash == id else { throw Self.otherAnswer("id \(answer.txHash.rawValue) for transaction \(id.rawValue)", response) }
        return answer
    }

    /// `POST /rpc/sendTxs`: up to `SendTxsRequest.maxTransactions` signed transactions; one
    /// result per transaction, in order (a refused one does not stop the others).
    /// - Throws: `AITBCError`; `.invalidRequest` for an empty or oversized batch or an unsigned
    ///   transaction; `.invalidResponse` when the results do not match the batch.
    public func send(batch: [TransactionMessage]) async throws(AITBCError) -> SendTxsResponse {
        guard (1...SendTxsRequest.maxTransactions).contains(batch.count) else {
            throw .invalidRequest("a batch holds 1…\(SendTxsRequest.maxTransactions) transactions, not \(batch.count)")
        }
        var ids: [TxHash] = []
        for transaction in batch { ids.append(try Self.identify(transaction)) }
        let response = try await post("/rpc/sendTxs", SendTxsRequest(txs: batch).bytes)
        let answer = try Self.decode(SendTxsResponse.self, response)
        guard answer.results.count == batch.count else {
            throw Self.otherAnswer("\(answer.results.count) results for \(batch.count) transactions", response)
        }
        for (index, result) in answer.results.enumerated() {
            if case .accepted(let accepted) = result, accepted.txHash != ids[index] {
                throw Self.otherAnswer("id \(accepted.txHash.rawValue) for transaction \(ids[index].rawValue)", response)
            }
        }
        return answer
    }

    /// `POST /rpc/estimateFee`: the least fee the node admits for a payload
    /// (`base_fee + fee_per_byte × payload bytes`, from its genesis).
    /// - Throws: `AITBCError`.
    public func estimateFee(type: TransactionType = .transfer, payload: JSONValue = .object([])) async throws(AITBCError) -> EstimateFeeResponse {
        let body = EstimateFeeRequest(type: type, payload: payload)
        return try Self.decode(EstimateFeeResponse.self, try await post("/rpc/estimateFee", body.bytes))
    }

    /// The fee estimate for `payload`.
    /// - Throws: `AITBCError`.
    public func estimateFee(for payload: TransactionPayload) async throws(AITBCError) -> EstimateFeeResponse {
        try await estimateFee(type: payload.type, payload: payload.json)
    }

    /// `POST /rpc/admin/mintFaucet` with `Authorization: Bearer <adminToken>`: the node queues
    /// a transfer of `amount` from its faucet account. Never retried: each call is a new
    /// transfer.
    /// - Throws: `AITBCError`; `.invalidRequest` for amount 0; 401/403 for a refused token.
    public func faucet(address: Address, amount: UInt64, adminToken: String) async throws(AITBCError) -> FaucetResponse {
        guard amount > 0 else { throw .invalidRequest("amount: must be greater than 0") }
        let request = CoordinatorRequest(
            method: .post, path: "/rpc/admin/mintFaucet", body: FaucetRequest(address: address, amount: amount).bytes,
            headers: ["Authorization": "Bearer \(adminToken)"], isRetryable: false)
        return try Self.decode(FaucetResponse.self, try await transport.send(request))
    }

    // MARK: - plumbing

    private func get(_ path: String) async throws(AITBCError) -> CoordinatorResponse {
        try await transport.send(CoordinatorRequest(method: .get, path: path))
    }

    private func post(_ path: String, _ body: [UInt8]) async throws(AITBCError) -> CoordinatorResponse {
        try await transport.send(CoordinatorRequest(method: .post, path: path, body: body, isRetryable: true))
    }

    /// The id of a signed transaction.
    /// - Throws: `AITBCError.invalidRequest` for one without a signature or whose payload
    ///   cannot be hashed.
    static func identify(_ transaction: TransactionMessage) throws(AITBCError) -> TxHash {
        guard !transaction.sig.isEmpty else { throw .invalidRequest("the transaction is not signed (sig is empty)") }
        do {
            return try transaction.transactionID()
        } catch {
            throw .invalidRequest(error.description)
        }
    }

    /// `response`'s body as `Message`, or `.invalidResponse` naming the field that broke.
    static func decode<Message: WireMessage>(_ type: Message.Type, _ response: CoordinatorResponse) throws(AITBCError) -> Message {
        try response.message(type)
    }

    /// A well-formed answer about something else than what was asked: whoever answers on a
    /// plain-HTTP address must not pass off another block, transaction or account.
    static func otherAnswer(_ what: String, _ response: CoordinatorResponse) -> AITBCError {
        .invalidResponse("the node answered \(what)", status: response.status, body: response.body)
    }
}
