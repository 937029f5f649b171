public import Cryptography
import JSON

/// One wallet's keystore file, version 1 (spec/wallet-daemon.md §4.2): header, ciphertext and
/// editable metadata.
///
/// Every initializer validates, so a value of this type always satisfies the reader bounds:
/// `KeystoreCipher.open` can run the KDF without re-checking a hostile file.
public struct KeystoreRecord: Sendable, Equatable, CustomStringConvertible {
    /// `magic`.
    public static let magic = "aitbc-kdb"
    /// `version`.
    public static let version = 1
    /// `curve`.
    public static let curve = "ed25519"
    /// `cipher.name`.
    public static let cipherName = "xchacha20poly1305-ietf"

    /// What the ciphertext holds.
    public enum Kind: String, Sendable, CaseIterable {
        /// A 32-byte Ed25519 seed.
        case raw
        /// A 64-byte BIP-39 seed; `public_key` is the key at `m/44'/12345'/0'/0'/0'`.
        case hd

        /// The plaintext size.
        public var secretLength: Int { self == .raw ? 32 : 64 }
    }

    /// The wallet this file belongs to (also its file name).
    public let walletID: WalletID
    /// `raw` or `hd`.
    public let kind: Kind
    /// The wallet's public key (for `hd`, the primary account's).
    public let publicKey: Ed25519.PublicKey
    /// Argon2id parameters read from the file, never from current defaults.
    public let kdf: KDFParameters
    /// The Argon2id salt (16–64 bytes).
    public let salt: [UInt8]
    /// The XChaCha20-Poly1305 nonce (24 bytes).
    public let nonce: [UInt8]
    /// RFC 3339 UTC creation time, e.g. `2025-01-01T00:00:00Z`.
    public let createdAt: String
    /// Sealed secret: plaintext ‖ 16-byte tag.
    public let ciphertext: [UInt8]
    /// Free-form labels; outside the AAD, so they stay editable without the password.
    public var metadata: [String: String]

    /// A record from its fields.
    /// - Throws: `WalletCoreError.invalidRecord` naming the first field out of bounds.
    public init(
        walletID: WalletID, kind: Kind, publicKey: Ed25519.PublicKey, kdf: KDFParameters, salt: [UInt8], nonce: [UInt8],
        createdAt: String, ciphertext: [UInt8], metadata: [String: String]
    ) throws(WalletCoreError) {
        guard KDFParameters.saltLengths.contains(salt.count) else {
            throw .invalidRecord(field: "kdf.salt", reason: "must be 16 to 64 bytes, not \(salt.count)")
        }
        guard nonce.count == XChaCha20Poly1305.nonceLength else {
            throw .invalidRecord(field: "cipher.nonce", reason: "must be 24 bytes, not \(nonce.count)")
        }
        guard Self.isTimestamp(createdAt) else {
            throw .invalidRecord(field: "created_at", reason: "must be RFC 3339 UTC like 2025-01-01T00:00:00Z")
        }
        let sealedLength = kind.secretLength + XChaCha20Poly1305.tagLength
        guard ciphertext.count == sealedLength else {
            throw .invalidRecord(
                field: "ciphertext", reason: "must be \(sealedLength) bytes for kind \(kind.rawValue), not \(ciphertext.count)")
        }
        self.walletID = walletID
        self.kind = kind
        self.publicKey = publicKey
        self.kdf = kdf
        self.salt = salt
        self.nonce = nonce
        self.createdAt = createdAt
        self.ciphertext = ciphertext
        self.metadata = metadata
    }

    /// The associated data of the AEAD: canonical JSON (keys sorted by code point, no
    /// whitespace, UTF-8) of the record without `ciphertext` and `metadata`. Binds wallet id,
    /// kind, public key, KDF parameters, salt and nonce to the ciphertext (§14.7).
    public func aad() -> [UInt8] {
        Self.serialize(.object(headerMembers()), options: .sortedKeys)
    }

    /// The file contents: the §4.2 object in the spec's field order, compact, newline-terminated.
    public func encoded() -> [UInt8] {
        let metadataMembers = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { JSONMember(key: $0, value: .string(metadata[$0] ?? "")) }
        var members = headerMembers()
        members.append(JSONMember(key: "ciphertext", value: .string(StrictBase64.encode(ciphertext))))
        members.append(JSONMember(key: "metadata", value: .object(metadataMembers)))
        return Self.serialize(.object(members), options: []) + [UInt8(ascii: "\n")]
    }

    /// Names the wallet and its public key only.
    public var description: String {
        "KeystoreRecord(wallet: \(walletID), kind: \(kind.rawValue), public_key: \(publicKey.hex))"
    }

    /// Every field except `ciphertext` and `metadata`, in the spec's order.
    private func headerMembers() -> [JSONMember] {
        [
            JSONMember(key: "magic", value: .string(Self.magic)),
            JSONMember(key: "version", value: .integer(JSONInteger(Self.version))),
            JSONMember(key: "wallet_id", value: .string(walletID.rawValue)),
            JSONMember(key: "kind", value: .string(kind.rawValue)),
            JSONMember(key: "curve", value: .string(Self.curve)),
            JSONMember(key: "public_key", value: .string(publicKey.hex)),
            JSONMember(key: "kdf", value: .object([
                JSONMember(key: "name", value: .string(KDFParameters.name)),
                JSONMember(key: "v", value: .integer(JSONInteger(KDFParameters.argon2Version))),
                JSONMember(key: "t", value: .integer(JSONInteger(kdf.iterations))),
                JSONMember(key: "m_kib", value: .integer(JSONInteger(kdf.memoryKiB))),
                JSONMember(key: "p", value: .integer(JSONInteger(kdf.parallelism))),
                JSONMember(key: "dklen", value: .integer(JSONInteger(KDFParameters.keyLength))),
                JSONMember(key: "salt", value: .string(StrictBase64.encode(salt))),
            ])),
            JSONMember(key: "cipher", value: .object([
                JSONMember(key: "name", value: .string(Self.cipherName)),
                JSONMember(key: "nonce", value: .string(StrictBase64.encode(nonce))),
            ])),
            JSONMember(key: "created_at", value: .string(createdAt)),
        ]
    }

    private static func serialize(_ value: JSONValue, options: JSONSerializer.Options) -> [UInt8] {
        do {
            return try JSONSerializer(options: options).serialize(value)
        } catch {
            // Only non-finite floats fail, and a record holds none.
            preconditionFailure("keystore record serialization failed: \(error)")
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, ASCII digits where digits belong.
    static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (20...30).contains(bytes.count), bytes.last == UInt8(ascii: "Z") else { return false }
        let pattern = Array("dddd-dd-ddTdd:dd:dd".utf8)
        for (index, expected) in pattern.enumerated() {
            let byte = bytes[index]
            if expected == UInt8(ascii: "d") {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return false }
            } else if byte != expected {
                return false
            }
        }
        let rest = bytes[pattern.count..<(bytes.count - 1)]
        if rest.isEmpty { return true }
        guard rest.first == UInt8(ascii: "."), rest.count >= 2 else { return false }
        return rest.dropFirst().allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
