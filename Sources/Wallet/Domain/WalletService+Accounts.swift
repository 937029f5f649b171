import Logging
import Metrics
import Cryptography
import JSON
import WalletCore
public import WireModels

extension WalletService {
    /// `POST /v1/wallets/{id}/accounts` / `wallet.derive`: the account at an AIT path
    /// (`m/44'/12345'/a'/c'/i'`, every step hardened) of an `hd` wallet, stored (public data
    /// only); the same path twice gives the same account. Needs the wallet unlocked or `password`.
    /// - Throws: `WalletError`: 400 for a raw wallet or a bad path, 401, 404.
    public func derive(walletID text: String, path: String, password: String?, client: String) async throws(WalletError) -> WalletAccountView {
        try limit("wallet-derive", client: client, walletID: text)
        let id = try walletID(text)
        let aitPath: AITAccountPath
        do {
            aitPath = try AITAccountPath(parsing: path)
        } catch {
            throw keystoreFailure(error)
        }
        let record = try await onIO { keystore throws(WalletCoreError) in try keystore.load(id) }
        guard record.kind == .hd else {
            throw .invalidRequest("raw wallets have one account (\(id):imported); derivation needs an hd wallet", code: "NOT_HD_WALLET")
        }
        let secret: SecureBytes
        if let password {
            secret = try await openSecret(id, password: password, event: "derive").1
        } else if let unlocked = keyring.secret(id.rawValue) {
            secret = unlocked
        } else {
            throw .locked
        }
        let node: SLIP10.Node
        let publicKey: Ed25519.PublicKey
        // The primary key from the secret, not the file: the file may have changed since unlock.
        let primaryKey: Ed25519.PublicKey
        do {
            node = try SLIP10.derive(seed: secret, path: aitPath.derivationPath)
            publicKey = try node.privateKey().publicKey
            primaryKey = try KeystoreCipher.publicKey(of: secret, kind: .hd)
        } catch let error as WalletCoreError {
            throw keystoreFailure(error)
        } catch {
            throw .internalError("derive")
        }
        let account = WalletAccountView(
            accountID: aitPath.accountID(wallet: id), walletID: id.rawValue, path: aitPath.description, publicKey: publicKey.hex,
            address: Address(publicKey: publicKey).rawValue)
        do {
            try await ledger.upsertWallet(id.rawValue, publicKey: primaryKey.hex, metadata: try await currentMetadata(record))
            try await ledger.insertAccount(primaryAccount(record, publicKey: primaryKey))
            try await ledger.insertAccount(account)
        } catch {
            throw storageFailure("derive", error)
        }
        await event(id.rawValue, "account_derived", ["account_id": .string(account.accountID)])
        return account
    }

    /// `GET /v1/wallets/{id}/accounts` / `wallet.accounts`: the primary account and every
    /// derived one, by id.
    /// - Throws: 404 `wallet not found`.
    public func accounts(walletID text: String) async throws(WalletError) -> [WalletAccountView] {
        let id = try walletID(text)
        let record = try await onIO { keystore throws(WalletCoreError) in try keystore.load(id) }
        let primary = primaryAccount(record)
        do {
            let stored = try await ledger.accounts(id.rawValue)
            return stored.contains { $0.accountID == primary.accountID } ? stored : ([primary] + stored).sorted { $0.accountID < $1.accountID }
        } catch {
            throw storageFailure("accounts", error)
        }
    }

    /// `GET /v1/address/{account_id}`.
    /// - Throws: 404 `account not found`.
    public func address(accountID: String) async throws(WalletError) -> WalletAddressView {
        var account: WalletAccountView?
        do {
            account = try await ledger.account(accountID)
        } catch {
            throw storageFailure("address", error)
        }
        // A primary account of a wallet created before its row existed (or a REF ledger).
        if account == nil, let walletPart = accountID.split(separator: ":").first, let id = WalletID(String(walletPart)),
            let record = try? await onIO({ keystore throws(WalletCoreError) in try keystore.load(id) }), primaryAccount(record).accountID == accountID
        {
            account = primaryAccount(record)
        }
        guard let account else { throw .notFound("account not found", code: "NOT_FOUND") }
        return WalletAddressView(accountID: account.accountID, address: account.address, curve: account.curve, publicKey: account.publicKey)
    }

    /// The ledger's metadata of the wallet, else the keystore's.
    private func currentMetadata(_ record: KeystoreRecord) async throws -> [String: String] {
        try await ledger.metadata()[record.walletID.rawValue] ?? record.metadata
    }
}
