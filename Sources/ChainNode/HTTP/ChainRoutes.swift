import Ledger
import Sockets
import Cryptography
public import HTTPServer
import HTTP1
import JSON
import Logging
import Metrics
import WireModels

/// The REST RPC of spec/chain-node.md §8 on a `Router`: the reference's paths and the design's
/// aliases, one domain call each. Errors have both styles (`error` object and `detail`).
public struct ChainRoutes: Sendable {
    public let chain: Chain
    let limiter: SubmissionLimiter
    let faucet: Faucet?
    let adminToken: [UInt8]?
    let maxBodyBytes: Int
    let rpcMetrics = RPCMetrics()

    /// Routes over `chain`.
    public init(chain: Chain, limiter: SubmissionLimiter, faucet: Faucet?, adminToken: String?, maxBodyBytes: Int) {
        self.chain = chain
        self.limiter = limiter
        self.faucet = faucet
        self.adminToken = adminToken.map { Array($0.utf8) }
        self.maxBodyBytes = maxBodyBytes
    }

    /// Registers every route.
    public func install(on router: Router) {
        // protocols/openapi/chain-node.yaml, embedded by scripts/gen-openapi-json.sh.
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(Array(ChainOpenAPIDocument.json.utf8)))
        }
        router.get("/rpc/head", handler: handle(.getHead) { _, _ in Self.json(chain.headView()) })
        router.get("/rpc/getHead", handler: handle(.getHead) { _, _ in Self.json(chain.headView()) })
        router.get("/rpc/blocks/{height}", handler: handle(.getBlock) { _, context in
            Self.json(try await chain.block(height: try Self.height(context, "height")))
        })
        router.get("/rpc/getBlock/{id}", handler: handle(.getBlock) { _, context in
            let text = context.parameters["id"] ?? ""
            if let hash = Hash32(text), text.utf8.count >= 64 { return Self.json(try await chain.block(hash: hash)) }
            return Self.json(try await chain.block(height: try Self.height(context, "id")))
        })
        router.get("/rpc/blocks-range", handler: handle(.getBlocksRange) { request, _ in
            let start = try Self.height(request.query["start"], field: "start")
            let end = try request.query["end"].map { text throws(ChainError) in try Self.height(text, field: "end") }
            return Self.json(try await chain.blocksRange(start: start, end: end))
        })
        for path in ["/rpc/tx/{hash}", "/rpc/getTx/{hash}"] {
            router.get(path, handler: handle(.getTransaction) { _, context in
                Self.json(try await chain.transaction(try Self.identifier(TxHash.self, context, "hash", field: "tx_hash")))
            })
        }
        router.get("/rpc/receipts/{id}", handler: handle(.getReceipt) { _, context in
            Self.json(try await chain.receipt(try Self.identifier(ReceiptID.self, context, "id", field: "receipt_id")))
        })
        router.get("/rpc/getBalance/{address}", handler: handle(.getBalance) { _, context in
            Self.json(try await chain.account(try Self.identifier(Address.self, context, "address", field: "address")))
        })
        router.post("/rpc/sendTx", handler: handle(.sendTx) { request, context in
            let message = try decode(TransactionMessage.self, request)
            try limit(context, count: 1)
            return Self.json(try await chain.submit(message))
        })
        router.post("/rpc/submitReceipt", handler: handle(.submitReceipt) { request, context in
            // The claim route: `type` may be left out (it can only be RECEIPT_CLAIM here).
            var body = try Self.body(request, maxBytes: maxBodyBytes)
            if case .object(var members) = body, !members.contains(where: { $0.key == "type" }) {
                members.insert(JSONMember(key: "type", value: .string(TransactionType.receiptClaim.rawValue)), at: 0)
                body = .object(members)
            }
            let message: TransactionMessage
            do throws(WireDecodingError) {
                message = try TransactionMessage(json: body)
            } catch {
                throw ChainError.invalidRequest(error)
            }
            guard message.type == .receiptClaim else {
                throw ChainError.invalidRequest(WireDecodingError(field: "type", reason: "must be RECEIPT_CLAIM on /rpc/submitReceipt"))
            }
            try limit(context, count: 1)
            return Self.json(try await chain.submit(message))
        })
        router.post("/rpc/sendTxs", handler: handle(.sendTxs) { request, context in
            let batch = try decode(SendTxsRequest.self, request)
            try limit(context, count: batch.txs.count)
            let outcomes = await chain.submit(batch: batch.txs)
            let items = zip(batch.txs, outcomes).map { element, outcome -> SendTxsResponse.Item in
                switch outcome {
                case .success(let response): return .accepted(response)
                case .failure(let error):
                    return .rejected(code: error.code, message: error.description, txHash: (try? element.get()).flatMap { try? $0.transactionID() })
                }
            }
            var response = Self.json(SendTxsResponse(results: items))
            // A batch answered 200 can still hold refusals a client should wait out.
            if let seconds = outcomes.compactMap({ outcome -> Int? in
                if case .failure(.mempoolFull(let seconds)) = outcome { return seconds }
                return nil
            }).first {
                response.headers.replaceOrAdd(name: "Retry-After", value: String(seconds))
            }
            return response
        })
        router.post("/rpc/estimateFee", handler: handle(.estimateFee) { request, context in
            // Canonicalizing a payload costs like admitting one: the same per-client budget.
            try limit(context, count: 1)
            return Self.json(try chain.estimateFee(try decode(EstimateFeeRequest.self, request)))
        })
        for path in ["/rpc/admin/mintFaucet", "/admin/mintFaucet"] {
            router.post(path, handler: handle(.mintFaucet) { request, context in
                guard let faucet else { throw ChainError.notFound(code: "NOT_FOUND", message: "the faucet is off (DEVNET_FAUCET)") }
                try authorizeAdmin(request)
                let body = try decode(FaucetRequest.self, request)
                let response = try await faucet.send(body)
                context.logger.info("faucet", metadata: ["address": "\(body.address)", "amount": "\(body.amount)", "tx_hash": "\(response.txHash)"])
                return Self.json(response)
            })
        }
    }

    // MARK: helpers

    /// A handler for the RPC `name`: domain errors become HTTP errors, and the reference's
    /// per-RPC series (spec §11: `rpc_<name>_total`, `_success_total`, `_not_found_total`,
    /// `_failed_total`, `rpc_<name>_duration_seconds`) count every call.
    private func handle(_ name: RPCMetrics.Name, _ body: @escaping @Sendable (Request, RequestContext) async throws -> Response) -> HTTPHandler {
        let series = rpcMetrics.series(name)
        return { request, context in
            let start = ContinuousClock.now
            defer {
                let (seconds, attoseconds) = (ContinuousClock.now - start).components
                series.duration.recordNanoseconds(seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
            }
            series.calls.increment()
            do {
                let response = try await body(request, context)
                series.succeeded.increment()
                return response
            } catch let error as ChainError {
                if case .notFound = error { series.notFound.increment() } else { series.failed.increment() }
                throw Self.httpError(error)
            } catch let error as HTTPError {
                series.failed.increment()
                throw error.withDetailMember
            }
        }
    }

    /// The HTTP error for a domain error: status, code, `details.field`, `Retry-After` on 429.
    static func httpError(_ error: ChainError) -> HTTPError {
        var headers = HTTPHeaders()
        var details: [JSONMember] = []
        switch error {
        case .mempoolFull(let seconds), .rateLimited(let seconds):
            headers.add(name: "Retry-After", value: String(seconds))
        case .unauthorized:
            headers.add(name: "WWW-Authenticate", value: #"Bearer realm="aitbc-chain-node""#)
        case .notFound(let code, _) where code == "TX_NOT_FOUND":
            details.append(JSONMember(key: "status", value: .string(TxStatus.unknown.rawValue)))
        default:
            break
        }
        if let field = error.field { details.append(JSONMember(key: "field", value: .string(field))) }
        // Storage failures are logged where they happen; their text never reaches clients.
        let message = error.description
        return HTTPError(
            HTTPResponseStatus(code: error.status), code: error.code, message: message, details: .object(details),
            extraMembers: [("detail", .string(message))], headers: headers)
    }


    static func json(_ message: some WireMessage) -> Response {
        .json(message.json)
    }

    /// - Parameter limit: what sets `maxBytes`, named in the 413 (a setting, or the route's own limit).
    static func body(_ request: Request, maxBytes: Int, limit: String = "MAX_BODY_BYTES") throws -> JSONValue {
        guard request.body.count <= maxBytes else {
            throw HTTPError(.contentTooLarge, code: "PAYLOAD_TOO_LARGE", message: "the body is larger than \(maxBytes) bytes (\(limit))")
        }
        return try request.json(limits: .init(maxInputBytes: maxBytes, maxDepth: 64))
    }

    private func decode<Message: WireMessage>(_ type: Message.Type, _ request: Request) throws -> Message {
        let body = try Self.body(request, maxBytes: maxBodyBytes)
        do throws(WireDecodingError) {
            return try Message(json: body)
        } catch {
            throw ChainError.invalidRequest(error)
        }
    }

    private func limit(_ context: RequestContext, count: Int) throws {
        let client = context.remoteAddress?.host ?? "unknown"
        if let seconds = limiter.acquire(client, count: count) { throw ChainError.rateLimited(retryAfterSeconds: seconds) }
    }

    private func authorizeAdmin(_ request: Request) throws {
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is compared in constant time.
        guard let adminToken, let header = request.headers["Authorization"], header.utf8.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else { throw ChainError.unauthorized }
        guard ConstantTime.equals(Array(header.utf8.dropFirst(7)), adminToken) else { throw ChainError.unauthorized }
    }

    static func height(_ context: RequestContext, _ name: String) throws(ChainError) -> UInt64 {
        try height(context.parameters[name], field: "height")
    }

    static func height(_ text: String?, field: String) throws(ChainError) -> UInt64 {
        let text = text ?? ""
        // Decimal digits only, no sign and no leading zero: one spelling per height.
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), text == "0" || !text.hasPrefix("0"),
            let height = UInt64(text), height <= UInt64(Int64.max)
        else {
            throw .invalidRequest(WireDecodingError(field: field, reason: "must be a block height (an integer ≥ 0)"))
        }
        return height
    }

    static func identifier<ID: WireIdentifier>(_ type: ID.Type, _ context: RequestContext, _ name: String, field: String) throws(ChainError) -> ID {
        do {
            return try ID(validating: context.parameters[name] ?? "", field: field)
        } catch {
            throw .invalidParameter(error)
        }
    }
}
