public import Cryptography
public import FoundationEssentials
import Glibc

/// Seals a wallet secret into a `KeystoreRecord` and opens it again: Argon2id(password, salt)
/// → XChaCha20-Poly1305 with the record's header as associated data (spec §3, §4.2).
///
/// All of it is blocking CPU and memory work (one Argon2id run each): call it from the
/// daemon's KDF gate, on a Dispatch queue, never on the cooperative pool.
public enum KeystoreCipher {
    /// Salt size writers use (§3).
    public static let saltLength = 16

    /// Encrypts `secret` (32-byte seed for `raw`, 64-byte BIP-39 seed for `hd`) under
    /// `password` with fresh random salt and nonce.
    /// - Throws: `WalletCoreError.invalidLength` for a secret of the wrong size,
    ///   `.cryptography` if Argon2 or the AEAD refuse their inputs.
    public static func seal(
        secret: SecureBytes, kind: KeystoreRecord.Kind, walletID: WalletID, password: WalletPassword,
        parameters: KeystoreRecord.KDFParameters, metadata: [String: String] = [:], createdAt: Date = Date()
    ) throws(WalletCoreError) -> KeystoreRecord {
        try seal(
            secret: secret, kind: kind, walletID: walletID, password: password, parameters: parameters, metadata: metadata,
            createdAt: timestamp(createdAt))
    }

    /// Decrypts the record's secret. The reader bounds were checked when the record was made
    /// (before this KDF runs); after decryption the secret must give `public_key`.
    /// - Throws: `WalletCoreError.invalidCredentials` for a wrong password or any change to
    ///   the header, nonce or ciphertext (one error for all, so callers cannot tell them
    ///   apart); `.corrupt` when the decrypted secret does not match `public_key`.
    public static func open(_ record: KeystoreRecord, password: WalletPassword) throws(WalletCoreError) -> SecureBytes {
        let key = try deriveKey(password: password, salt: record.salt, parameters: record.kdf)
        let secret: SecureBytes
        do {
            secret = try XChaCha20Poly1305.open(record.ciphertext, key: key, nonce: record.nonce, associatedData: record.aad())
        } catch {
            throw .invalidCredentials
        }
        guard secret.count == record.kind.secretLength else { throw .corrupt("decrypted secret has the wrong size") }
        guard try publicKey(of: secret, kind: record.kind) == record.publicKey else {
            throw .corrupt("decrypted key does not match public_key")
        }
        return secret
    }

    /// Re-encrypts `record` under `parameters` (and `newPassword` when given) with fresh salt
    /// and nonce, keeping wallet id, kind, creation time and metadata: `aitbc wallet rekey`.
    /// - Throws: as `open`, then as `seal`.
    public static func rekey(
        _ record: KeystoreRecord, password: WalletPassword, newPassword: WalletPassword? = nil,
        parameters: KeystoreRecord.KDFParameters
    ) throws(WalletCoreError) -> KeystoreRecord {
        let secret = try open(record, password: password)
        return try seal(
            secret: secret, kind: record.kind, walletID: record.walletID, password: newPassword ?? password,
            parameters: parameters, metadata: record.metadata, createdAt: record.createdAt)
    }

    /// Runs exactly the KDF `open` would run, on a throwaway salt: answering an unknown wallet
    /// after the same work as a wrong password removes the timing oracle of §14.5.
    /// - Throws: `WalletCoreError.cryptography` only for parameters libargon2 refuses.
    public static func runDecoyKDF(password: WalletPassword, parameters: KeystoreRecord.KDFParameters) throws(WalletCoreError) {
        _ = try deriveKey(password: password, salt: SecureRandom.bytes(count: saltLength), parameters: parameters)
    }

    /// The signing key a record's secret stands for: the seed itself for `raw`, the SLIP-10
    /// key at `m/44'/12345'/0'/0'/0'` for `hd`.
    /// - Throws: `WalletCoreError.invalidLength` for a secret of the wrong size.
    public static func primaryKey(
        of secret: SecureBytes, kind: KeystoreRecord.Kind
    ) throws(WalletCoreError) -> Ed25519.PrivateKey {
        guard secret.count == kind.secretLength else {
            throw .invalidLength(what: "\(kind.rawValue) wallet secret", expected: "\(kind.secretLength)", actual: secret.count)
        }
        let seed: SecureBytes
        switch kind {
        case .raw: seed = secret
        case .hd: seed = try SLIP10.derive(seed: secret, path: AITAccountPath.primary.derivationPath).key
        }
        do {
            return try Ed25519.PrivateKey(seed: seed)
        } catch {
            throw .cryptography(error)
        }
    }

    /// The public key of `primaryKey(of:kind:)`.
    /// - Throws: `WalletCoreError.invalidLength` for a secret of the wrong size.
    public static func publicKey(of secret: SecureBytes, kind: KeystoreRecord.Kind) throws(WalletCoreError) -> Ed25519.PublicKey {
        try primaryKey(of: secret, kind: kind).publicKey
    }

    private static func seal(
        secret: SecureBytes, kind: KeystoreRecord.Kind, walletID: WalletID, password: WalletPassword,
        parameters: KeystoreRecord.KDFParameters, metadata: [String: String], createdAt: String
    ) throws(WalletCoreError) -> KeystoreRecord {
        let publicKey = try publicKey(of: secret, kind: kind)
        let salt = SecureRandom.bytes(count: saltLength)
        let nonce = XChaCha20Poly1305.generateNonce()
        // The header (everything the AAD covers) is fixed before encryption; the placeholder
        // ciphertext only gives the record its final shape.
        let header = try KeystoreRecord(
            walletID: walletID, kind: kind, publicKey: publicKey, kdf: parameters, salt: salt, nonce: nonce,
            createdAt: createdAt, ciphertext: [UInt8](repeating: 0, count: kind.secretLength + XChaCha20Poly1305.tagLength),
            metadata: metadata)
        let key = try deriveKey(password: password, salt: salt, parameters: parameters)
        let ciphertext: [UInt8]
        do {
            ciphertext = try XChaCha20Poly1305.seal(secret, key: key, nonce: nonce, associatedData: header.aad())
        } catch {
            throw .cryptography(error)
        }
        return try KeystoreRecord(
            walletID: walletID, kind: kind, publicKey: publicKey, kdf: parameters, salt: salt, nonce: nonce,
            createdAt: createdAt, ciphertext: ciphertext, metadata: metadata)
    }

    /// Argon2id over the password bytes; the 32-byte key is `SecureBytes`.
    private static func deriveKey(
        password: WalletPassword, salt: [UInt8], parameters: KeystoreRecord.KDFParameters
    ) throws(WalletCoreError) -> SecureBytes {
        do {
            return try Argon2id.hash(password: password.bytes, salt: salt, parameters: parameters.argon2)
        } catch {
            throw .cryptography(error)
        }
    }

    /// `2025-01-01T00:00:00Z` (RFC 3339, UTC, whole seconds).
    static func timestamp(_ date: Date) -> String {
        UTCTimestamp.format(seconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }
}
