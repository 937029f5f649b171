import FoundationEssentials
import Glibc
import HTTP1
public import HTTPClient
import JSON
public import WireModels

/// The wallet daemon's API (docs/sdk.md "Wallet", spec/wallet-daemon.md §8–§9): wallets,
/// unlock and lock, accounts and addresses, message signing, balances and transfers through
/// the daemon's chain adapter, receipt verification, and JSON-RPC.
///
/// Every call goes through a `CoordinatorTransport` (timeouts, retries, `AITBCError`), with
/// `X-Auth-Token` on every request when the daemon runs with `WALLET_TOKEN`. Passwords travel
/// in request bodies only (never in a URL or a header) and the SDK keeps no copy. Calls that
/// change state are not retried: a repeated `send` would be a second transfer, a repeated
/// `unlock` with a wrong password a second strike towards the lockout.
///
/// Errors carry the daemon's `code` (`WALLET_LOCKED`, `RATE_LIMIT`, …, else one derived from
/// the status) and its `detail` as the message.
///
/// ```swift
/// let wallet = WalletClient(configuration: WalletClientConfiguration(token: token))
/// _ = try await wallet.unlock("main", password: password, ttlSeconds: 60)
/// let signed = try await wallet.sign("main", message: Array("hello".utf8))
/// ```
public struct WalletClient: Sendable {
    /// The connection requests go through.
    public let transport: CoordinatorTransport

    /// A client over `transport` (its `apiRoot` is the daemon's root; paths carry `/v1`).
    public init(transport: CoordinatorTransport) { self.transport = transport }

    /// A client with a transport of its own; `http` lets it share an existing pool.
    public init(configuration: WalletClientConfiguration, http: HTTPClient? = nil) {
        self.init(transport: CoordinatorTransport(configuration: configuration.connection, http: http))
    }

    /// Closes the transport's own idle connections; later calls fail.
    public func shutdown() async { await transport.shutdown() }

    // MARK: - wallets

    /// `GET /v1/wallets`.
    /// - Throws: `AITBCError`.
    public func list() async throws(AITBCError) -> WalletListResponse {
        try Self.decode(WalletListResponse.self, try await get("/v1/wallets"))
    }

    /// `POST /v1/wallets`: a `raw` wallet (a generated key, or `secretKey`: a 32-byte seed in
    /// padded base64) or an `hd` one (the daemon answers its new mnemonic once).
    /// - Throws: `AITBCError`; 400 for an invalid id, a weak password, an existing wallet.
    public func create(_ request: WalletCreateRequest) async throws(AITBCError) -> WalletCreateResponse {
        try Self.decode(WalletCreateResponse.self, try await post("/v1/wallets", request.bytes, retryable: false))
    }

    /// `POST /v1/wallets/import-mnemonic`: an `hd` wallet restored from a BIP-39 mnemonic.
    /// - Throws: `AITBCError`; 400 for an unknown word or a bad checksum.
    public func importMnemonic(_ request: WalletImportMnemonicRequest) async throws(AITBCError) -> WalletCreateResponse {
        try Self.decode(WalletCreateResponse.self, try await post("/v1/wallets/import-mnemonic", request.bytes, retryable: false))
    }

    /// `POST /v1/wallets/{id}/unlock`: keeps the key for `ttlSeconds` (nil: the daemon's
    /// `UNLOCK_TTL_SEC`), counted from now, not extended by use.
    /// - Throws: `AITBCError`; 401 `invalid credentials` (unknown wallet or wrong password,
    ///   alike); 429 during a lockout (`Retry-After`).
    public func unlock(_ walletID: String, password: String, ttlSeconds: Int? = nil) async throws(AITBCError) -> WalletUnlockState {
        let body = WalletUnlockRequest(password: password, ttlSeconds: ttlSeconds)
        return try Self.decode(WalletUnlockState.self, try await post(Self.wallet(walletID, "/unlock"), body.bytes, retryable: false))
    }

    /// `POST /v1/wallets/{id}/lock`: zeroes the unlocked key now.
    /// - Throws: `AITBCError`.
    public func lock(_ walletID: String) async throws(AITBCError) -> WalletUnlockState {
        try Self.decode(WalletUnlockState.self, try await post(Self.wallet(walletID, "/lock"), Array("{}".utf8), retryable: true))
    }

    /// `POST /v1/wallets/{id}/sign`: an Ed25519 signature over the message domain's prefix ‖
    /// `message` (never the raw bytes). `password` may be nil while the wallet is unlocked.
    /// - Throws: `AITBCError`; 401 `WALLET_LOCKED` without a password on a locked wallet.
    public func sign(_ walletID: String, message: [UInt8], password: String? = nil, accountID: String? = nil) async throws(AITBCError)
        -> WalletSignResponse
    {
        let body = WalletSignRequest(password: password, messageBase64: Data(message).base64EncodedString(), accountID: accountID)
        return try Self.decode(WalletSignResponse.self, try await post(Self.wallet(walletID, "/sign"), body.bytes, retryable: false))
    }

    // MARK: - accounts

    /// `GET /v1/wallets/{id}/accounts`.
    /// - Throws: `AITBCError`; 404 for an unknown wallet.
    public func accounts(_ walletID: String) async throws(AITBCError) -> WalletAccountListResponse {
        try Self.decode(WalletAccountListResponse.self, try await get(Self.wallet(walletID, "/accounts")))
    }

    /// `POST /v1/wallets/{id}/accounts`: the account at `path` (every step hardened; the same
    /// path twice is the same account).
    /// - Throws: `AITBCError`; 400 for a non-hardened step; 401 `WALLET_LOCKED`.
    public func deriveAccount(_ walletID: String, path: String, password: String? = nil) async throws(AITBCError) -> WalletAccountView {
        let body = WalletDeriveAccountRequest(path: path, password: password)
        return try Self.decode(WalletAccountView.self, try await post(Self.wallet(walletID, "/accounts"), body.bytes, retryable: false))
    }

    /// `GET /v1/address/{account_id}`.
    /// - Throws: `AITBCError`; 404 for an unknown account.
    public func address(_ accountID: String) async throws(AITBCError) -> WalletAddressView {
        try Self.decode(WalletAddressView.self, try await get("/v1/address/" + PathSegment.encode(accountID)))
    }

    // MARK: - plumbing

    func get(_ path: String, query: [(name: String, value: String)] = []) async throws(AITBCError) -> CoordinatorResponse {
        try await send(CoordinatorRequest(method: .get, path: path, query: query))
    }

    func post(_ path: String, _ body: [UInt8], retryable: Bool) async throws(AITBCError) -> CoordinatorResponse {
        try await send(CoordinatorRequest(method: .post, path: path, body: body, isRetryable: retryable))
    }

    /// Sends `request`; a rejection's `code` and `message` are the daemon's `code` and `detail`.
    func send(_ request: CoordinatorRequest) async throws(AITBCError) -> CoordinatorResponse {
        do {
            return try await transport.send(request)
        } catch {
            throw Self.walletError(error)
        }
    }

    /// `/v1/wallets/{id}` + `suffix`, the id percent-encoded (a hostile `../x` stays one segment).
    static func wallet(_ walletID: String, _ suffix: String = "") -> String {
        "/v1/wallets/" + PathSegment.encode(walletID) + suffix
    }

    /// `response`'s body as `Message`, or `.invalidResponse` naming the field that broke.
    static func decode<Message: WireMessage>(_ type: Message.Type, _ response: CoordinatorResponse) throws(AITBCError) -> Message {
        try response.message(type)
    }

    /// `error` with the wallet daemon's `{"detail", "code"?}` read into `code` and `message`.
    static func walletError(_ error: AITBCError) -> AITBCError {
        guard error.kind == .rejected, !error.body.isEmpty,
            let parsed = try? JSONParser(limits: .init(maxInputBytes: max(error.body.count, 1), maxDepth: 16)).parse(error.body),
            let body = try? WalletErrorBody(json: parsed)
        else { return error }
        var mapped = error
        if let code = body.code, !code.isEmpty {
            mapped.code = AITBCError.bounded(code)
            mapped.serverCode = mapped.code
        }
        if !body.message.isEmpty {
            mapped.message = AITBCError.bounded(body.message)
            mapped.serverMessage = mapped.message
        }
        return mapped
    }
}
