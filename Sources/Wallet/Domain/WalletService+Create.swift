import Logging
import Metrics
import Cryptography
import JSON
import WalletCore
public import WireModels

extension WalletService {
    /// `POST /v1/wallets` / `wallet.create`, in the spec's order: rate limit → base64 →
    /// duplicate check → password rules → key generation (§8). `kind: "hd"` generates a BIP-39
    /// mnemonic, answered once and never stored.
    /// - Throws: `WalletError` with the reference's `detail`.
    public func create(_ request: WalletCreateRequest, client: String) async throws(WalletError) -> WalletCreateResponse {
        try limit("wallet-create", client: client)
        let id = try walletID(request.walletID)
        let kind = try Self.kind(request.kind)
        var secret: SecureBytes?
        if let text = request.secretKey {
            guard kind == .raw else { throw .invalidRequest("secret_key is only for raw wallets", code: "INVALID_REQUEST") }
            do {
                secret = try StrictBase64.decodeSecure(text)
            } catch {
                throw .invalidRequest("invalid base64 secret", code: "INVALID_BASE64")
            }
        }
        try await refuseDuplicate(id)
        let password = try Self.creationPassword(request.password)
        var mnemonic: Mnemonic?
        switch kind {
        case .raw:
            if let given = secret {
                guard given.count == Ed25519.seedLength else { throw .invalidRequest("secret key must be 32 bytes", code: "INVALID_SECRET") }
            } else {
                secret = SecureBytes.random(count: Ed25519.seedLength)
            }
        case .hd:
            let words = request.mnemonicWords ?? 24
            guard Mnemonic.wordCounts.contains(words) else {
                throw .invalidRequest("mnemonic_words must be one of 12, 15, 18, 21, 24", code: "INVALID_REQUEST")
            }
            do {
                let generated = try Mnemonic.generate(wordCount: words)
                secret = try generated.seed()
                mnemonic = generated
            } catch {
                throw keystoreFailure(error)
            }
        }
        guard let secret else { throw .internalError("keygen") }
        let record = try await store(id: id, kind: kind, secret: secret, password: password, metadata: request.metadata?.values ?? [:])
        return WalletCreateResponse(wallet: view(record), mnemonic: mnemonic?.phrase)
    }

    /// `POST /v1/wallets/import-mnemonic`: an `hd` wallet from a BIP-39 mnemonic (+ passphrase).
    /// - Throws: `WalletError` (400 for an unknown word or a bad checksum).
    public func importMnemonic(_ request: WalletImportMnemonicRequest, client: String) async throws(WalletError) -> WalletCreateResponse {
        try limit("wallet-create", client: client)
        let id = try walletID(request.walletID)
        guard request.mnemonic.utf8.count <= 1_024, (request.passphrase?.utf8.count ?? 0) <= 1_024 else {
            throw .invalidRequest("mnemonic and passphrase must be at most 1024 bytes", code: "INVALID_MNEMONIC")
        }
        let seed: SecureBytes
        do {
            seed = try Mnemonic(parsing: request.mnemonic).seed(passphrase: request.passphrase ?? "")
        } catch {
            throw keystoreFailure(error)
        }
        try await refuseDuplicate(id)
        let password = try Self.creationPassword(request.password)
        let record = try await store(id: id, kind: .hd, secret: seed, password: password, metadata: request.metadata?.values ?? [:])
        return WalletCreateResponse(wallet: view(record))
    }

    // MARK: steps

    private func refuseDuplicate(_ id: WalletID) async throws(WalletError) {
        if try await onIO({ keystore in keystore.exists(id) }) { throw .invalidRequest("wallet already exists", code: "WALLET_EXISTS") }
    }

    static func creationPassword(_ text: String) throws(WalletError) -> WalletPassword {
        do {
            return try WalletPassword(creating: text)
        } catch {
            if case .weakPassword(let rule) = error { throw .invalidRequest(rule.message, code: "INVALID_PASSWORD") }
            throw .invalidRequest("invalid password", code: "INVALID_PASSWORD")
        }
    }

    static func kind(_ text: String?) throws(WalletError) -> KeystoreRecord.Kind {
        guard let text else { return .raw }
        guard let kind = KeystoreRecord.Kind(rawValue: text) else { throw .invalidRequest("kind must be raw or hd", code: "INVALID_REQUEST") }
        return kind
    }

    /// Seals (one KDF run through the gate), writes the file, then the ledger row, the
    /// `created` event and the primary account.
    private func store(
        id: WalletID, kind: KeystoreRecord.Kind, secret: SecureBytes, password: WalletPassword, metadata: [String: String]
    ) async throws(WalletError) -> KeystoreRecord {
        let parameters = configuration.kdf
        metrics.kdfRuns.increment()
        let sealed: Result<KeystoreRecord, WalletCoreError> = await gate.run {
            do throws(WalletCoreError) {
                return .success(try KeystoreCipher.seal(secret: secret, kind: kind, walletID: id, password: password, parameters: parameters, metadata: metadata))
            } catch {
                return .failure(error)
            }
        }
        let record: KeystoreRecord
        switch sealed {
        case .success(let value): record = value
        case .failure(let error): throw keystoreFailure(error)
        }
        try await onIO { keystore throws(WalletCoreError) in try keystore.create(record) }
        do {
            try await ledger.upsertWallet(id.rawValue, publicKey: record.publicKey.hex, metadata: metadata)
            try await ledger.insertAccount(primaryAccount(record))
        } catch {
            throw storageFailure("create", error)
        }
        await event(id.rawValue, "created", .object([JSONMember(key: "metadata", value: WalletMetadata(metadata).json)]))
        metrics.created.increment()
        logger.info("wallet created", metadata: ["wallet_id": "\(id)", "kind": "\(kind.rawValue)"])
        return record
    }

    /// The account of the wallet's primary key: `<id>:imported` for raw, `<id>:0:0:0` for hd.
    func primaryAccount(_ record: KeystoreRecord, publicKey: Ed25519.PublicKey? = nil) -> WalletAccountView {
        let accountID = record.kind == .raw ? "\(record.walletID.rawValue):imported" : AITAccountPath.primary.accountID(wallet: record.walletID)
        let key = publicKey ?? record.publicKey
        return WalletAccountView(
            accountID: accountID, walletID: record.walletID.rawValue, path: record.kind == .raw ? "imported" : AITAccountPath.primary.description,
            publicKey: key.hex, address: Address(publicKey: key).rawValue)
    }
}
