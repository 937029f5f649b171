import HTTP1
public import HTTPServer
import JSON
import Logging
import WireModels

/// The REST API of spec/wallet-daemon.md §8 on a `Router`: every [REF] route wire-compatible
/// (paths, fields, status codes, `detail` strings; `GET /v1/wallets` fixed) plus the
/// [TARGET] routes. One `WalletService` call each.
public struct WalletRoutes: Sendable {
    /// The domain API.
    public let service: WalletService
    let maxBodyBytes: Int

    /// Routes over `service`.
    public init(service: WalletService) {
        self.service = service
        maxBodyBytes = service.configuration.maxBodyBytes
    }

    /// Registers every route.
    public func install(on router: Router) {
        let service = service
        let max = maxBodyBytes
        // MARK: [REF]
        router.get("/v1/wallets", handler: handle(reference: true) { _, _ in
            WalletHTTP.response(WalletListResponse(items: try await service.list()))
        })
        router.post("/v1/wallets", handler: handle(reference: true) { request, context in
            let body = try WalletHTTP.decode(WalletCreateRequest.self, request, maxBytes: max)
            return WalletHTTP.response(try await service.create(body, client: WalletHTTP.client(context)), status: .created)
        })
        router.post("/v1/wallets/{wallet_id}/unlock", handler: handle(reference: true) { request, context in
            let body = try WalletHTTP.decode(WalletUnlockRequest.self, request, maxBytes: max)
            return WalletHTTP.response(
                try await service.unlock(
                    walletID: context.parameters["wallet_id"] ?? "", password: body.password, ttlSeconds: body.ttlSeconds, client: WalletHTTP.client(context)))
        })
        router.post("/v1/wallets/{wallet_id}/sign", handler: handle(reference: true) { request, context in
            let body = try WalletHTTP.decode(WalletSignRequest.self, request, maxBytes: max)
            return WalletHTTP.response(
                try await service.sign(
                    walletID: context.parameters["wallet_id"] ?? "", password: body.password, messageBase64: body.messageBase64,
                    accountID: body.accountID, client: WalletHTTP.client(context)))
        })
        router.get("/v1/receipts/{job_id}", handler: handle(reference: true) { _, context in
            WalletHTTP.response(WalletReceiptResponse(result: try await service.verifyLatestReceipt(jobID: context.parameters["job_id"] ?? "")))
        })
        router.get("/v1/receipts/{job_id}/history", handler: handle(reference: true) { _, context in
            WalletHTTP.response(WalletReceiptHistoryResponse(items: try await service.verifyReceiptHistory(jobID: context.parameters["job_id"] ?? "")))
        })
        // MARK: [TARGET]
        router.post("/v1/wallets/import-mnemonic", handler: handle(reference: false) { request, context in
            let body = try WalletHTTP.decode(WalletImportMnemonicRequest.self, request, maxBytes: max)
            return WalletHTTP.response(try await service.importMnemonic(body, client: WalletHTTP.client(context)), status: .created)
        })
        router.post("/v1/wallets/{wallet_id}/lock", handler: handle(reference: false) { request, context in
            _ = try Self.emptyBody(request, maxBytes: max)
            return WalletHTTP.response(try await service.lock(walletID: context.parameters["wallet_id"] ?? ""))
        })
        router.post("/v1/wallets/{wallet_id}/accounts", handler: handle(reference: false) { request, context in
            let body = try WalletHTTP.decode(WalletDeriveAccountRequest.self, request, maxBytes: max)
            return WalletHTTP.response(
                try await service.derive(
                    walletID: context.parameters["wallet_id"] ?? "", path: body.path, password: body.password, client: WalletHTTP.client(context)),
                status: .created)
        })
        router.get("/v1/wallets/{wallet_id}/accounts", handler: handle(reference: false) { _, context in
            WalletHTTP.response(WalletAccountListResponse(items: try await service.accounts(walletID: context.parameters["wallet_id"] ?? "")))
        })
        router.get("/v1/address/{account_id}", handler: handle(reference: false) { _, context in
            WalletHTTP.response(try await service.address(accountID: context.parameters["account_id"] ?? ""))
        })
        router.get("/v1/wallets/{wallet_id}/balance", handler: handle(reference: false) { request, context in
            WalletHTTP.response(try await service.balance(walletID: context.parameters["wallet_id"] ?? "", accountID: request.query["account_id"]))
        })
        router.post("/v1/wallets/{wallet_id}/send", handler: handle(reference: false) { request, context in
            let body = try WalletHTTP.decode(WalletSendRequest.self, request, maxBytes: max)
            return WalletHTTP.response(try await service.send(walletID: context.parameters["wallet_id"] ?? "", body, client: WalletHTTP.client(context)))
        })
        router.get("/v1/wallets/{wallet_id}/transactions", handler: handle(reference: false) { request, context in
            // A limit that is no number is refused like one out of range, not read as the default.
            let limit = request.query["limit"].map { Int($0) ?? 0 } ?? 50
            return WalletHTTP.response(
                WalletTransactionListResponse(
                    items: try await service.transactions(walletID: context.parameters["wallet_id"] ?? "", accountID: request.query["account_id"], limit: limit)))
        })
        WalletRPC(service: service).install(on: router)
    }

    /// A handler whose `WalletError`s become `{"detail"}` answers.
    private func handle(
        reference: Bool, _ body: @escaping @Sendable (Request, RequestContext) async throws -> Response
    ) -> HTTPHandler {
        { request, context in
            do {
                return try await body(request, context)
            } catch let error as WalletError {
                return WalletHTTP.response(error, reference: reference)
            } catch {
                context.logger.error("unexpected failure", metadata: ["error": "\(type(of: error))"])
                return WalletHTTP.response(WalletError.internalError("unexpected"), reference: reference)
            }
        }
    }

    /// A lock body may be empty or `{}`.
    static func emptyBody(_ request: Request, maxBytes: Int) throws(WalletError) -> JSONValue? {
        guard !request.body.isEmpty else { return nil }
        return try WalletHTTP.json(request, maxBytes: maxBytes)
    }
}
