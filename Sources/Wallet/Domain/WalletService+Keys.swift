import Logging
import Metrics
import Cryptography
import JSON
import WalletCore
public import WireModels

extension WalletService {
    /// `POST /v1/wallets/{id}/unlock` / `wallet.unlock`: checks the password (one KDF run) and
    /// holds the key for `ttlSeconds` (default and maximum `UNLOCK_TTL_SEC`) from now.
    /// - Throws: `WalletError`: 401 `invalid credentials` for an unknown wallet and a wrong
    ///   password alike (same body, one KDF each), 429 while rate limited or locked out.
    public func unlock(walletID text: String, password: String, ttlSeconds: Int?, client: String) async throws(WalletError) -> WalletUnlockState {
        try limit("wallet-unlock", client: client, walletID: text)
        let id = try walletID(text)
        let ttl = ttlSeconds ?? configuration.unlockTTLSeconds
        guard (1...configuration.unlockTTLSeconds).contains(ttl) else {
            throw .invalidRequest("ttl_seconds must be 1…\(configuration.unlockTTLSeconds) (UNLOCK_TTL_SEC)", code: "INVALID_REQUEST")
        }
        let (record, secret) = try await openSecret(id, password: password, event: "unlocked")
        let expires: Double
        do {
            expires = try keyring.unlock(id.rawValue, secret: secret, kind: record.kind, ttlSeconds: ttl)
        } catch {
            throw keystoreFailure(error)
        }
        metrics.unlocked.record(keyring.unlockedCount)
        logger.info("wallet unlocked", metadata: ["wallet_id": "\(id)", "ttl_seconds": "\(ttl)"])
        return WalletUnlockState(walletID: id.rawValue, unlocked: true, expiresAt: Self.timestamp(expires))
    }

    /// `POST /v1/wallets/{id}/lock` / `wallet.lock`: wipes the unlocked key. Answers the same
    /// for a wallet that was not unlocked; an unknown wallet is 404, as on `balance` (the list
    /// names every wallet anyway, so this tells nobody anything new).
    /// - Throws: `WalletError.invalidRequest` for an invalid id, `.notFound` for an unknown one.
    public func lock(walletID text: String) async throws(WalletError) -> WalletUnlockState {
        let id = try walletID(text)
        guard keyring.kind(id.rawValue) != nil || keystore.exists(id) else { throw .notFound("wallet not found") }
        if keyring.lock(id.rawValue) {
            await event(id.rawValue, "locked", .object([]))
            logger.info("wallet locked", metadata: ["wallet_id": "\(id)"])
        }
        metrics.unlocked.record(keyring.unlockedCount)
        return WalletUnlockState(walletID: id.rawValue, unlocked: false)
    }

    /// `POST /v1/wallets/{id}/sign` / `wallet.sign`: signs `WalletSigningDomain.messagePrefix` ‖
    /// message with the primary key (or `accountID`'s). With `password` the key is decrypted
    /// for this call (one KDF); without it the wallet must be unlocked.
    /// - Throws: `WalletError`: 400 `invalid base64 message`, 401 `invalid credentials` or
    ///   `wallet is locked` (`WALLET_LOCKED`), 404 unknown account, 429.
    public func sign(
        walletID text: String, password: String?, messageBase64: String, accountID: String?, client: String
    ) async throws(WalletError) -> WalletSignResponse {
        try limit("wallet-sign", client: client, walletID: text)
        let id = try walletID(text)
        let message: [UInt8]
        do {
            message = try StrictBase64.decode(messageBase64)
        } catch {
            throw .invalidRequest("invalid base64 message", code: "INVALID_BASE64")
        }
        let key = try await signingKey(id, password: password, accountID: accountID, event: "sign")
        let signature = key.signature(for: WalletSigningDomain.messagePrefix + message)
        metrics.signatures.increment()
        await event(id.rawValue, "sign", ["success": true])
        return WalletSignResponse(
            walletID: id.rawValue, signatureBase64: StrictBase64.encode(signature), publicKey: key.publicKey.hex,
            domain: WalletSigningDomain.message.rawValue)
    }

    // MARK: keys

    /// The key of `accountID` (default: the primary key), from the unlocked keyring or, when
    /// `password` is given, decrypted for this call.
    func signingKey(_ id: WalletID, password: String?, accountID: String?, event: String) async throws(WalletError) -> Ed25519.PrivateKey {
        let account = try await resolveAccount(id, accountID: accountID)
        if let password {
            let (record, secret) = try await openSecret(id, password: password, event: event)
            return try derivedKey(kind: record.kind, secret: secret, account: account)
        }
        guard let kind = keyring.kind(id.rawValue) else {
            metrics.signFailures.increment()
            throw .locked
        }
        guard let account, account.path != "imported", account.path != AITAccountPath.primary.description else {
            guard let primary = keyring.primaryKey(id.rawValue) else { throw .locked }
            return primary
        }
        if let cached = keyring.accountKey(id.rawValue, accountID: account.accountID) { return cached }
        guard let secret = keyring.secret(id.rawValue) else { throw .locked }
        let key = try derivedKey(kind: kind, secret: secret, account: account)
        keyring.cache(key, walletID: id.rawValue, accountID: account.accountID)
        return key
    }

    /// The account named `accountID` when it belongs to `id`; nil for the primary key.
    /// - Throws: 404 `account not found`.
    func resolveAccount(_ id: WalletID, accountID: String?) async throws(WalletError) -> WalletAccountView? {
        guard let accountID else { return nil }
        let account: WalletAccountView?
        do {
            account = try await ledger.account(accountID)
        } catch {
            throw storageFailure("account", error)
        }
        guard let account, account.walletID == id.rawValue else { throw .notFound("account not found", code: "NOT_FOUND") }
        return account
    }

    /// The signing key of `account` from the wallet secret (primary when nil).
    func derivedKey(kind: KeystoreRecord.Kind, secret: SecureBytes, account: WalletAccountView?) throws(WalletError) -> Ed25519.PrivateKey {
        do {
            guard let account, kind == .hd, account.path != "imported" else { return try KeystoreCipher.primaryKey(of: secret, kind: kind) }
            let path = try AITAccountPath(parsing: account.path)
            let node = try SLIP10.derive(seed: secret, path: path.derivationPath)
            return try node.privateKey()
        } catch let error as WalletCoreError {
            throw keystoreFailure(error)
        } catch {
            throw .internalError("derive")
        }
    }

    /// Decrypts the wallet's secret with `password`: lockout first, one KDF run whether or not
    /// the wallet exists (a decoy run for an unknown id, §14.5), then the lockout count and an
    /// event (existing wallets only).
    /// - Throws: 429 while locked out; 400 for a password over 1024 characters; 401 `invalid credentials`.
    func openSecret(_ id: WalletID, password text: String, event: String) async throws(WalletError) -> (KeystoreRecord, SecureBytes) {
        if let seconds = lockout.retryAfter(id.rawValue) {
            metrics.lockedOut.increment()
            throw .rateLimited(retryAfter: seconds, detail: "too many failed password attempts")
        }
        let password: WalletPassword?
        do {
            password = try WalletPassword(text)
        } catch {
            guard case .weakPassword(.tooShort) = error else {
                throw .invalidRequest(WalletPassword.Rule.tooLong.message, code: "INVALID_PASSWORD")
            }
            // Too short to be anyone's password: still one KDF run and a failure, like a wrong one.
            password = nil
        }
        let record = try await loadForPassword(id, operation: event)
        let decoyParameters = record?.kdf ?? configuration.kdf
        metrics.kdfRuns.increment()
        metrics.kdfQueued.record(gate.queued + 1)
        // The lockout is checked again when the KDF slot is free and the outcome counted before
        // the slot is handed on: guesses sent all at once wait in the gate's queue, and each
        // must see the failures of those that ran before it — else a burst of 100 parallel
        // guesses would all be tried before the first failure locked the wallet. So at most
        // `threshold + maxConcurrent − 1` passwords are tried before the lockout holds.
        let lockout = self.lockout
        let walletID = id.rawValue
        let opened: KDFOutcome = await gate.run {
            if let seconds = lockout.retryAfter(walletID) { return .lockedOut(seconds) }
            let result: Result<SecureBytes, WalletCoreError>
            do throws(WalletCoreError) {
                if let record, let password {
                    result = .success(try KeystoreCipher.open(record, password: password))
                } else {
                    if let decoy = password ?? Self.decoyPassword { try KeystoreCipher.runDecoyKDF(password: decoy, parameters: decoyParameters) }
                    result = .failure(.invalidCredentials)
                }
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success where record != nil: lockout.recordSuccess(walletID)
            case .success, .failure(.invalidCredentials): lockout.recordFailure(walletID)
            case .failure: break
            }
            return .finished(result)
        }
        metrics.kdfQueued.record(gate.queued)
        switch opened {
        case .lockedOut(let seconds):
            metrics.lockedOut.increment()
            throw .rateLimited(retryAfter: seconds, detail: "too many failed password attempts")
        case .finished(.success(let secret)):
            metrics.unlocks.increment()
            if let record {
                if event == "unlocked" { await self.event(id.rawValue, event, ["success": true]) }
                return (record, secret)
            }
            throw .invalidCredentials
        case .finished(.failure(let error)):
            guard case .invalidCredentials = error else { throw keystoreFailure(error) }
            metrics.unlockFailures.increment()
            // Unknown ids have no row, so `recordEvent` writes nothing for them (§11 [TARGET]).
            await self.event(id.rawValue, event, ["success": false])
            logger.notice("wrong password", metadata: ["wallet_id": "\(id)", "operation": "\(event == "unlocked" ? "unlock" : event)"])
            throw .invalidCredentials
        }
    }

    /// The record a password is checked against; nil for an unknown wallet and for a file that
    /// does not decode (a header edit, a truncated or non-JSON file, parameters out of bounds):
    /// §15.5 wants such a file answered 401 like a wrong password, after the same decoy KDF, so
    /// the cause goes to the operator's log only. Permissions and I/O faults still throw (503/500).
    /// - Throws: `WalletError` from `keystoreFailure`.
    func loadForPassword(_ id: WalletID, operation: String) async throws(WalletError) -> KeystoreRecord? {
        let (record, problem) = try await onIO { keystore throws(WalletCoreError) -> (KeystoreRecord?, WalletCoreError?) in
            do throws(WalletCoreError) {
                return (try keystore.load(id), nil)
            } catch {
                switch error {
                case .walletNotFound: return (nil, nil)
                case .invalidRecord: return (nil, error)
                default: throw error
                }
            }
        }
        if let problem {
            logger.error(
                "keystore file unreadable", metadata: ["wallet_id": "\(id)", "operation": "\(operation)", "error": "\(problem)"])
        }
        return record
    }

    /// What one turn at the KDF gate came to.
    enum KDFOutcome: Sendable {
        /// The lockout began while this attempt waited for a slot: no KDF ran.
        case lockedOut(Int)
        case finished(Result<SecureBytes, WalletCoreError>)
    }

    /// A fixed password for decoy runs (its value never matters, only the KDF's cost).
    static let decoyPassword = try? WalletPassword("decoy-password-000")
}
