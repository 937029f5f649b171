import Logging
import Metrics
import Cryptography
import JSON
import WalletCore
public import WireModels

extension WalletService {
    /// `GET /v1/wallets/{id}/balance[?account_id=]`: the account's balance on the configured
    /// ledger (`ledger` says which: the chain, or the offline SQLite ledger).
    /// - Throws: 503 without a chain adapter; the adapter's errors; 404.
    public func balance(walletID text: String, accountID: String?) async throws(WalletError) -> WalletBalanceView {
        let chain = try requireChain()
        let account = try await account(walletID: text, accountID: accountID)
        guard let address = Address(account.address) else { throw .internalError("address") }
        do {
            let balance = try await chain.balance(of: address)
            return WalletBalanceView(
                accountID: account.accountID, address: address.rawValue, balance: balance.balance.description, nonce: balance.nonce,
                nextNonce: balance.nextNonce, pending: balance.pending, ledger: balance.mode.rawValue)
        } catch {
            throw ledgerFailure(error)
        }
    }

    /// `POST /v1/wallets/{id}/send`: a transfer from the account (default primary) signed by
    /// the chain adapter with the account's key (unlocked, or `password` for this call).
    /// - Throws: 503 without a chain adapter; 400 for a bad address or amount; 401; the adapter's errors.
    public func send(walletID text: String, _ request: WalletSendRequest, client: String) async throws(WalletError) -> WalletTransactionView {
        try limit("wallet-send", client: client, walletID: text)
        let chain = try requireChain()
        let id = try walletID(text)
        guard let to = Address(request.to) else { throw .invalidRequest("to: \(Address.rule)", code: "INVALID_ADDRESS") }
        guard let amount = LedgerAmount(request.amount) else { throw .invalidRequest("amount: \(LedgerAmount.rule)", code: "INVALID_AMOUNT") }
        let key = try await signingKey(id, password: request.password, accountID: request.accountID, event: "send")
        do {
            let transfer = try await chain.transfer(TransferOrder(to: to, amount: amount, fee: request.fee, memo: request.memo), key: key)
            await event(id.rawValue, "send", ["success": true, "tx_hash": .string(transfer.id)])
            return Self.view(transfer)
        } catch {
            await event(id.rawValue, "send", ["success": false])
            throw ledgerFailure(error)
        }
    }

    /// `GET /v1/wallets/{id}/transactions[?account_id=&limit=]`: the transfers this daemon sent
    /// from the account (incoming payments are not tracked), newest first, at most `limit` (1…500).
    /// - Throws: 400 for a limit out of range; 503 without a chain adapter; the adapter's errors.
    public func transactions(walletID text: String, accountID: String?, limit: Int) async throws(WalletError) -> [WalletTransactionView] {
        guard (1...Self.maxHistoryLimit).contains(limit) else {
            throw .invalidRequest("limit must be 1…\(Self.maxHistoryLimit)", code: "INVALID_LIMIT")
        }
        let chain = try requireChain()
        let account = try await account(walletID: text, accountID: accountID)
        guard let address = Address(account.address) else { throw .internalError("address") }
        do {
            return try await chain.history(of: address, limit: limit).map(Self.view)
        } catch {
            throw ledgerFailure(error)
        }
    }

    /// Most transfers one history page holds.
    public static let maxHistoryLimit = 500

    // MARK: steps

    func requireChain() throws(WalletError) -> any ChainAdapter {
        guard let chain else { throw .unavailable("chain adapter not configured (CHAIN_RPC_URL, LEDGER)", code: "CHAIN_UNAVAILABLE") }
        return chain
    }

    /// The wallet's account `accountID`, or its primary account.
    func account(walletID text: String, accountID: String?) async throws(WalletError) -> WalletAccountView {
        let id = try walletID(text)
        if let account = try await resolveAccount(id, accountID: accountID) { return account }
        let record = try await onIO { keystore throws(WalletCoreError) in try keystore.load(id) }
        let primary = primaryAccount(record)
        // The ledger's row was written from a verified key; the file's `public_key` is not
        // checked until a password opens it (a swapped file would show another wallet's balance).
        let stored: WalletAccountView?
        do {
            stored = try await ledger.account(primary.accountID)
        } catch {
            throw storageFailure("account", error)
        }
        guard let stored, stored.walletID == id.rawValue else { return primary }
        if stored.publicKey != primary.publicKey {
            logger.warning("keystore public_key differs from the ledger's", metadata: ["wallet_id": "\(id)", "ledger": "\(stored.publicKey)"])
        }
        return stored
    }

    static func view(_ transfer: LedgerTransfer) -> WalletTransactionView {
        WalletTransactionView(
            txHash: transfer.id, from: transfer.from.rawValue, to: transfer.to.rawValue, amount: transfer.amount.description, fee: transfer.fee,
            nonce: transfer.nonce, memo: transfer.memo, status: transfer.status.rawValue, blockHeight: transfer.blockHeight,
            createdAt: transfer.createdAt, ledger: transfer.mode.rawValue)
    }

    /// The adapter's error as the answer; on the chain, a node that cannot be reached names
    /// `CHAIN_RPC_URL` and its value, and a refusal for the wrong chain names `CHAIN_ID`: the
    /// operator's fix is a setting, and the answer says which.
    func ledgerFailure(_ error: ChainAdapterError) -> WalletError {
        var detail = error.description
        if configuration.ledger == .chain {
            switch error {
            case .unavailable: detail += " (CHAIN_RPC_URL=\(configuration.chainRPCURL))"
            case .rejected(let code, _, _) where code == "WRONG_CHAIN": detail += " (this daemon signs for CHAIN_ID=\(configuration.chainID))"
            default: break
            }
        }
        return .ledger(status: error.httpStatus, detail: detail, code: error.code)
    }
}
