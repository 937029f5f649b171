import HTTP1
public import HTTPServer
public import JSON
import WireModels

/// `POST /rpc`: JSON-RPC 2.0 over the same `WalletService` as REST (spec §9 [TARGET]): the
/// reference's dotted methods and result shapes, -32700 for malformed JSON, -32600 for an
/// invalid request object, batches (one reply per request, in order), notifications (run, no
/// reply; 204 when nothing is owed), -32005 with `data.retry_after` for rate limits and
/// lockout, which REST and RPC share.
public struct WalletRPC: Sendable {
    /// The domain API.
    public let service: WalletService
    /// Most requests in one batch.
    public static let maxBatch = 100

    /// An RPC endpoint over `service`.
    public init(service: WalletService) { self.service = service }

    /// Registers `POST /rpc`.
    public func install(on router: Router) {
        let rpc = self
        let max = service.configuration.maxBodyBytes
        router.post("/rpc") { request, context in
            guard request.body.count <= max else { return WalletHTTP.response(WalletError.payloadTooLarge(limit: max), reference: false) }
            let replies = await rpc.handle(body: request.body, client: WalletHTTP.client(context))
            guard let replies else { return Response(status: .noContent) }
            return .json(replies)
        }
    }

    /// The reply document for a request body, or nil when only notifications came.
    public func handle(body: [UInt8], client: String) async -> JSONValue? {
        let parsed: JSONValue
        do {
            parsed = try JSONParser(limits: .init(maxInputBytes: body.count + 1, maxDepth: 32)).parse(body)
        } catch {
            return JSONRPCResponse.error(JSONRPCErrorCode.parseError, "Parse error", id: .null).json
        }
        guard case .array(let items) = parsed else { return await handle(one: parsed, client: client)?.json }
        guard !items.isEmpty, items.count <= Self.maxBatch else {
            let message = items.isEmpty ? "Invalid Request: empty batch" : "Invalid Request: at most \(Self.maxBatch) requests per batch"
            return JSONRPCResponse.error(JSONRPCErrorCode.invalidRequest, message, id: .null).json
        }
        var replies: [JSONValue] = []
        for item in items {
            if let reply = await handle(one: item, client: client) { replies.append(reply.json) }
        }
        return replies.isEmpty ? nil : .array(replies)
    }

    /// One request object: its reply, or nil for a notification.
    func handle(one value: JSONValue, client: String) async -> JSONRPCResponse? {
        let request: JSONRPCRequest
        do {
            request = try JSONRPCRequest(json: value)
        } catch {
            let id = value["id"].flatMap(JSONRPCID.init(json:)) ?? .null
            return .error(JSONRPCErrorCode.invalidRequest, "Invalid Request: \(error)", id: id)
        }
        let outcome: JSONRPCResponse.Outcome
        do throws(RPCFailure) {
            outcome = .result(try await call(request.method, params: request.params ?? .object([]), client: client))
        } catch {
            switch error {
            case .methodNotFound:
                outcome = .error(JSONRPCErrorObject(code: JSONRPCErrorCode.methodNotFound, message: "Method not found"))
            case .wallet(let error):
                var data: JSONValue?
                if case .rateLimited(let seconds, _) = error { data = .object([JSONMember(key: "retry_after", value: .integer(JSONInteger(seconds)))]) }
                outcome = .error(JSONRPCErrorObject(code: error.rpcCode, message: error.description, data: data))
            }
        }
        guard let id = request.id else { return nil }
        return JSONRPCResponse(id: id, outcome: outcome)
    }

    /// Dispatches a method; unknown names throw `.methodNotFound`.
    func call(_ method: String, params: JSONValue, client: String) async throws(RPCFailure) -> JSONValue {
        guard let known = WalletRPCMethod(rawValue: method) else { throw .methodNotFound }
        do throws(WalletError) {
            return try await dispatch(known, params: params, client: client)
        } catch {
            throw .wallet(error)
        }
    }

    private func dispatch(_ method: WalletRPCMethod, params: JSONValue, client: String) async throws(WalletError) -> JSONValue {
        switch method {
        case .walletList:
            return WalletListResponse(items: try await service.list()).json
        case .walletCreate:
            try Self.require(params, ["wallet_id", "password"], "wallet_id and password required")
            return try await service.create(try Self.decode(WalletCreateRequest.self, params), client: client).json
        case .walletImportMnemonic:
            try Self.require(params, ["wallet_id", "password", "mnemonic"], "wallet_id, password and mnemonic required")
            return try await service.importMnemonic(try Self.decode(WalletImportMnemonicRequest.self, params), client: client).json
        case .walletUnlock:
            try Self.require(params, ["wallet_id", "password"], "wallet_id and password required")
            let body = try Self.decode(WalletRPCUnlockParams.self, params)
            return try await service.unlock(walletID: body.walletID, password: body.password, ttlSeconds: body.ttlSeconds, client: client).json
        case .walletLock:
            try Self.require(params, ["wallet_id"], "wallet_id required")
            return try await service.lock(walletID: try Self.decode(WalletRPCWalletParams.self, params).walletID).json
        case .walletSign:
            try Self.require(params, ["wallet_id", "message"], "wallet_id and message required")
            let body = try Self.decode(WalletRPCSignParams.self, params)
            let signed = try await service.sign(
                walletID: body.walletID, password: body.password, messageBase64: body.message, accountID: body.accountID, client: client)
            return WalletRPCSignResult(walletID: signed.walletID, signature: signed.signatureBase64, publicKey: signed.publicKey, domain: signed.domain).json
        case .walletDerive:
            try Self.require(params, ["wallet_id", "path"], "wallet_id and path required")
            let body = try Self.decode(WalletRPCWalletParams.self, params)
            return try await service.derive(walletID: body.walletID, path: body.path ?? "", password: body.password, client: client).json
        case .walletAccounts:
            try Self.require(params, ["wallet_id"], "wallet_id required")
            return WalletAccountListResponse(items: try await service.accounts(walletID: try Self.decode(WalletRPCWalletParams.self, params).walletID)).json
        case .receiptsVerifyLatest:
            try Self.require(params, ["job_id"], "job_id required")
            return try await service.verifyLatestReceipt(jobID: try Self.decode(WalletRPCJobParams.self, params).jobID).json
        case .receiptsVerifyHistory:
            try Self.require(params, ["job_id"], "job_id required")
            let items = try await service.verifyReceiptHistory(jobID: try Self.decode(WalletRPCJobParams.self, params).jobID)
            return WalletReceiptHistoryResponse(items: items).json
        }
    }

    /// -32602 with the reference's sentence when a required param is missing or not a string.
    static func require(_ params: JSONValue, _ names: [String], _ message: String) throws(WalletError) {
        for name in names where params[name]?.stringValue == nil { throw .invalidRequest(message) }
    }

    static func decode<M: WireMessage>(_ type: M.Type, _ params: JSONValue) throws(WalletError) -> M {
        do {
            return try M(json: params)
        } catch {
            throw .invalidRequest(error.description)
        }
    }
}

/// Why an RPC call failed before or inside the service.
enum RPCFailure: Error {
    case methodNotFound
    case wallet(WalletError)
}
