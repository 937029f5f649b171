import HTTP1
public import Cryptography
public import JSON
public import Receipts
public import WireModels

/// The coordinator's client API (spec/coordinator.md §6 "Client"): submit jobs, read their
/// state, result and receipts, cancel them, wait for them, and verify receipts against pinned
/// coordinator keys.
///
/// ```swift
/// let jobs = JobsClient(configuration: AITBCConfiguration(baseURL: "http://127.0.0.1:8011", apiKey: key))
/// let job = try await jobs.submitJob(payload: ["type": "echo", "input": "hi"])
/// let done = try await jobs.waitForCompletion(job.jobID, timeout: .seconds(60))
/// ```
public struct JobsClient: CoordinatorAPI {
    /// The connection requests go through.
    public let transport: CoordinatorTransport

    /// A client over `transport` (shared with other clients of the same coordinator and key).
    public init(transport: CoordinatorTransport) { self.transport = transport }

    /// A client with a transport of its own.
    public init(configuration: AITBCConfiguration) { self.init(transport: CoordinatorTransport(configuration: configuration)) }

    /// `POST /v1/jobs`. Every call carries an `Idempotency-Key` — `idempotencyKey`, else a fresh
    /// random one (32 hex) — so a retried submit never queues the job twice; the same key is
    /// sent on every retry.
    /// - Throws: `AITBCError` (422 `INVALID_PAYLOAD`, 409 when the key was used for another body, …).
    public func submitJob(
        payload: JSONValue, constraints: JobConstraints? = nil, ttlSeconds: Int? = nil, idempotencyKey: String? = nil
    ) async throws(AITBCError) -> JobView {
        let body = SubmitJobRequest(payload: payload, constraints: constraints, ttlSeconds: ttlSeconds)
        let key = idempotencyKey ?? Self.newIdempotencyKey()
        let response = try await transport.send(
            CoordinatorRequest(method: .post, path: "/jobs", body: body.bytes, headers: ["Idempotency-Key": key], isRetryable: true))
        return try decode(JobView.self, response)
    }

    /// A random idempotency key: 16 bytes from the OS CSPRNG as 32 lowercase hex characters.
    public static func newIdempotencyKey() -> String { Hex.encode(SecureRandom.bytes(count: 16)) }

    /// `GET /v1/jobs/{id}`.
    /// - Throws: `AITBCError`; 404 `JOB_NOT_FOUND` for an unknown id or another client's job.
    public func job(_ id: JobID) async throws(AITBCError) -> JobView {
        try decode(JobView.self, try await transport.send(CoordinatorRequest(method: .get, path: "/jobs/\(id.rawValue)")))
    }

    /// `GET /v1/jobs/{id}/result`: `.ready` once the job is terminal, `.notReady` (425) while it
    /// is queued or running.
    /// - Throws: `AITBCError`; 404 for an unknown job.
    public func result(_ id: JobID) async throws(AITBCError) -> JobResultOutcome {
        do {
            let response = try await transport.send(CoordinatorRequest(method: .get, path: "/jobs/\(id.rawValue)/result"))
            return .ready(try decode(JobResultResponse.self, response))
        } catch where error.isRejection(425) {
            return .notReady
        }
    }

    /// `POST /v1/jobs/{id}/cancel`: the job, now `CANCELED`.
    /// - Throws: `AITBCError`; 409 `CONFLICT_STATE` when the job is already terminal, 404.
    public func cancel(_ id: JobID) async throws(AITBCError) -> JobView {
        try decode(JobView.self, try await transport.send(CoordinatorRequest(method: .post, path: "/jobs/\(id.rawValue)/cancel")))
    }

    /// `GET /v1/jobs/{id}/receipt`: the latest signed receipt, parsed from the response text as
    /// received (member order and number spellings kept, so it verifies); nil when the job has
    /// none (404 `RECEIPT_NOT_AVAILABLE`).
    /// - Throws: `AITBCError`; 404 `JOB_NOT_FOUND` for an unknown job.
    public func latestReceipt(_ id: JobID) async throws(AITBCError) -> Receipt? {
        let response: CoordinatorResponse
        do {
            response = try await transport.send(CoordinatorRequest(method: .get, path: "/jobs/\(id.rawValue)/receipt"))
        } catch where error.isRejection(404) && error.code != "JOB_NOT_FOUND" {
            return nil
        }
        let receipt: Receipt
        do {
            receipt = try Receipt(json: try response.json())
        } catch {
            throw .invalidResponse("receipt is not a JSON object", status: response.status, body: response.body)
        }
        try Self.requireReceipt(receipt, of: id, response: response)
        return receipt
    }

    /// Refuses a receipt that names another job than the one asked for: a coordinator (or
    /// whoever answers on its plain-HTTP address) could otherwise hand over a genuinely signed
    /// receipt of some other job, which then verifies against the pinned keys.
    /// - Throws: `AITBCError` `.invalidResponse`.
    static func requireReceipt(_ receipt: Receipt, of id: JobID, response: CoordinatorResponse) throws(AITBCError) {
        guard receipt[field: "job_id"]?.stringValue == id.rawValue else {
            throw .invalidResponse("a receipt of another job than \(id.rawValue)", status: response.status, body: response.body)
        }
    }

    /// `GET /v1/jobs/{id}/receipts?cursor=&limit=`: one page of the receipt history, oldest first
    /// (`{"items", "next_cursor"}`, or a bare list: the last page).
    /// `cursor` is sent only when non-empty, `limit` (1…500) only when given.
    /// - Throws: `AITBCError`.
    public func receiptsPage(_ id: JobID, cursor: String? = nil, limit: Int? = nil) async throws(AITBCError) -> ReceiptPage {
        var query: [(name: String, value: String)] = []
        if let cursor, !cursor.isEmpty { query.append((name: "cursor", value: cursor)) }
        if let limit { query.append((name: "limit", value: String(limit))) }
        let response = try await transport.send(CoordinatorRequest(method: .get, path: "/jobs/\(id.rawValue)/receipts", query: query))
        let documents: [JSONValue]
        let nextCursor: String?
        if case .array(let elements) = try response.json() {
            // A bare list is a whole history in one page (spec/wallet-daemon.md §12 allows it).
            documents = elements
            nextCursor = nil
        } else {
            let page = try decode(ListPage<ReceiptDocument>.self, response)
            documents = page.items.map(\.json)
            nextCursor = page.nextCursor
        }
        var receipts: [Receipt] = []
        for document in documents {
            let receipt: Receipt
            do {
                receipt = try Receipt(json: document)
            } catch {
                throw .invalidResponse("a receipt is not a JSON object", status: response.status, body: response.body)
            }
            try Self.requireReceipt(receipt, of: id, response: response)
            receipts.append(receipt)
        }
        return ReceiptPage(items: receipts, nextCursor: nextCursor.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Every receipt of the job, oldest first, fetched `pageSize` at a time as the sequence is read.
    public func receipts(_ id: JobID, pageSize: Int = 100) -> ReceiptSequence {
        ReceiptSequence(client: self, jobID: id, pageSize: pageSize)
    }

    /// The job's whole receipt history verified against `trustedKeys` (the pinned coordinator
    /// keys): a status per signature with its reason. Verification never throws; fetching does.
    /// - Parameter attestationKeys: keys for attestations; nil uses `trustedKeys`.
    /// - Throws: `AITBCError` from fetching.
    public func receiptStatus(
        _ id: JobID, trustedKeys: [Ed25519.PublicKey], attestationKeys: [Ed25519.PublicKey]? = nil, pageSize: Int = 100
    ) async throws(AITBCError) -> ReceiptStatus {
        let verifier = ReceiptVerifier(trustedKeys: trustedKeys, attestationKeys: attestationKeys)
        var verified: [VerifiedReceipt] = []
        var iterator = receipts(id, pageSize: pageSize).makeAsyncIterator()
        while let receipt = try await iterator.next() {
            verified.append(VerifiedReceipt(receipt: receipt, verification: verifier.verify(receipt)))
        }
        return ReceiptStatus(jobID: id, receipts: verified)
    }

    /// The latest receipt verified against `trustedKeys`; nil when the job has none.
    /// - Throws: `AITBCError` from fetching.
    public func verifiedLatestReceipt(
        _ id: JobID, trustedKeys: [Ed25519.PublicKey], attestationKeys: [Ed25519.PublicKey]? = nil
    ) async throws(AITBCError) -> VerifiedReceipt? {
        guard let receipt = try await latestReceipt(id) else { return nil }
        let verifier = ReceiptVerifier(trustedKeys: trustedKeys, attestationKeys: attestationKeys)
        return VerifiedReceipt(receipt: receipt, verification: verifier.verify(receipt))
    }
}

/// What `JobsClient.result` found.
public enum JobResultOutcome: Sendable, Equatable {
    /// The job is terminal: its result (null unless completed), receipt, state and error.
    case ready(JobResultResponse)
    /// 425: the job is still queued or running.
    case notReady
}

/// One page of a job's receipt history.
public struct ReceiptPage: Sendable, Equatable {
    /// The receipts, oldest first, as received.
    public var items: [Receipt]
    /// The cursor of the next page; nil on the last.
    public var nextCursor: String?

    /// A page.
    public init(items: [Receipt], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// A job's receipts as an async sequence, fetched page by page until the coordinator gives no
/// cursor.
public struct ReceiptSequence: AsyncSequence, Sendable {
    /// A receipt.
    public typealias Element = Receipt
    /// Fetching fails with the SDK's error.
    public typealias Failure = AITBCError

    let client: JobsClient
    let jobID: JobID
    let pageSize: Int

    /// An iterator from the first page.
    public func makeAsyncIterator() -> Iterator { Iterator(client: client, jobID: jobID, pageSize: pageSize) }

    /// Reads pages as it goes.
    public struct Iterator: AsyncIteratorProtocol {
        let client: JobsClient
        let jobID: JobID
        let pageSize: Int
        var buffer: [Receipt] = []
        var cursor: String?
        var finished = false

        init(client: JobsClient, jobID: JobID, pageSize: Int) {
            self.client = client
            self.jobID = jobID
            self.pageSize = pageSize
        }

        /// The next receipt, or nil after the last page.
        /// - Throws: `AITBCError` from fetching a page.
        public mutating func next() async throws(AITBCError) -> Receipt? {
            while buffer.isEmpty {
                if finished { return nil }
                let page = try await client.receiptsPage(jobID, cursor: cursor, limit: pageSize)
                // An empty page, or a cursor that does not move, would page forever: stop there.
                finished = page.nextCursor == nil || page.items.isEmpty || page.nextCursor == cursor
                buffer = page.items
                cursor = page.nextCursor
            }
            return buffer.removeFirst()
        }
    }
}
