import Cryptography
import JSON

extension KeystoreRecord {
    /// The largest keystore file read (a record is well under 1 KiB plus metadata).
    public static let maxFileBytes = 65_536

    /// Parses a keystore file strictly: exactly the §4.2 fields, known magic, version, kind,
    /// curve, KDF and cipher names, parameters within the reader bounds, strict base64 and
    /// exact lengths. Nothing here runs the KDF.
    /// - Throws: `WalletCoreError.invalidRecord` naming the first offending field.
    public init(decoding bytes: [UInt8]) throws(WalletCoreError) {
        guard bytes.count <= Self.maxFileBytes else { throw .invalidRecord(field: "file", reason: "larger than 65536 bytes") }
        let root: JSONValue
        do {
            root = try JSONParser(limits: .init(maxInputBytes: Self.maxFileBytes, maxDepth: 4)).parse(bytes)
        } catch {
            throw .invalidRecord(field: "file", reason: "not JSON (\(error))")
        }
        let top = try Self.object(root, "record", keys: [
            "magic", "version", "wallet_id", "kind", "curve", "public_key", "kdf", "cipher", "created_at", "ciphertext",
            "metadata",
        ])
        guard try Self.string(top, "magic") == Self.magic else { throw .invalidRecord(field: "magic", reason: "unknown magic") }
        guard try Self.integer(top, "version") == Int64(Self.version) else {
            throw .invalidRecord(field: "version", reason: "unsupported version")
        }
        guard let walletID = WalletID(try Self.string(top, "wallet_id")) else {
            throw .invalidRecord(field: "wallet_id", reason: "not a valid wallet id")
        }
        guard let kind = Kind(rawValue: try Self.string(top, "kind")) else {
            throw .invalidRecord(field: "kind", reason: "unknown kind")
        }
        guard try Self.string(top, "curve") == Self.curve else { throw .invalidRecord(field: "curve", reason: "unknown curve") }
        let publicKey = try Self.publicKey(try Self.string(top, "public_key"))

        let kdfObject = try Self.object(top["kdf"], "kdf", keys: ["name", "v", "t", "m_kib", "p", "dklen", "salt"])
        guard try Self.string(kdfObject, "name", in: "kdf") == KDFParameters.name else {
            throw .invalidRecord(field: "kdf.name", reason: "unknown KDF")
        }
        guard try Self.integer(kdfObject, "v", in: "kdf") == Int64(KDFParameters.argon2Version) else {
            throw .invalidRecord(field: "kdf.v", reason: "unsupported Argon2 version")
        }
        let kdf = try KDFParameters(
            iterations: try Self.uint32(kdfObject, "t"), memoryKiB: try Self.uint32(kdfObject, "m_kib"),
            parallelism: try Self.uint32(kdfObject, "p"))
        guard try Self.integer(kdfObject, "dklen", in: "kdf") == Int64(KDFParameters.keyLength) else {
            throw .invalidRecord(field: "kdf.dklen", reason: "must be 32")
        }
        let salt = try Self.base64(kdfObject, "salt", in: "kdf")

        let cipherObject = try Self.object(top["cipher"], "cipher", keys: ["name", "nonce"])
        guard try Self.string(cipherObject, "name", in: "cipher") == Self.cipherName else {
            throw .invalidRecord(field: "cipher.name", reason: "unknown cipher")
        }
        let nonce = try Self.base64(cipherObject, "nonce", in: "cipher")
        let createdAt = try Self.string(top, "created_at")
        let ciphertext = try Self.base64(top, "ciphertext")

        guard case .object(let metadataMembers)? = top["metadata"] else {
            throw .invalidRecord(field: "metadata", reason: "must be an object")
        }
        var metadata: [String: String] = [:]
        for member in metadataMembers {
            guard case .string(let value) = member.value else {
                throw .invalidRecord(field: "metadata", reason: "values must be strings")
            }
            // Canonically equivalent keys would collapse into one dictionary entry.
            guard metadata.updateValue(value, forKey: member.key) == nil else {
                throw .invalidRecord(field: "metadata", reason: "duplicate key")
            }
        }
        try self.init(
            walletID: walletID, kind: kind, publicKey: publicKey, kdf: kdf, salt: salt, nonce: nonce, createdAt: createdAt,
            ciphertext: ciphertext, metadata: metadata)
    }

    /// The object's members after checking it has exactly `keys`.
    private static func object(_ value: JSONValue?, _ field: String, keys: [String]) throws(WalletCoreError) -> JSONValue {
        guard let value, case .object(let members) = value else {
            throw .invalidRecord(field: field, reason: "must be an object")
        }
        for member in members where !keys.contains(where: { $0.utf8.elementsEqual(member.key.utf8) }) {
            throw .invalidRecord(field: field, reason: "unknown field \"\(member.key.prefix(64))\"")
        }
        for key in keys where value[key] == nil {
            throw .invalidRecord(field: field == "record" ? key : "\(field).\(key)", reason: "missing")
        }
        return value
    }

    private static func string(_ object: JSONValue, _ key: String, in parent: String? = nil) throws(WalletCoreError) -> String {
        guard case .string(let text)? = object[key] else {
            throw .invalidRecord(field: parent.map { "\($0).\(key)" } ?? key, reason: "must be a string")
        }
        return text
    }

    private static func integer(_ object: JSONValue, _ key: String, in parent: String? = nil) throws(WalletCoreError) -> Int64 {
        guard case .integer(let value)? = object[key], let number = value.int64Value else {
            throw .invalidRecord(field: parent.map { "\($0).\(key)" } ?? key, reason: "must be an integer")
        }
        return number
    }

    private static func uint32(_ object: JSONValue, _ key: String) throws(WalletCoreError) -> UInt32 {
        let value = try integer(object, key, in: "kdf")
        // Out-of-range values fail the bounds check with the same message as in-range bad ones.
        return UInt32(exactly: value) ?? 0
    }

    private static func base64(_ object: JSONValue, _ key: String, in parent: String? = nil) throws(WalletCoreError) -> [UInt8] {
        let field = parent.map { "\($0).\(key)" } ?? key
        do {
            return try StrictBase64.decode(try string(object, key, in: parent))
        } catch .invalidBase64(let offset) {
            throw .invalidRecord(field: field, reason: "invalid base64 at byte \(offset)")
        }
    }

    private static func publicKey(_ text: String) throws(WalletCoreError) -> Ed25519.PublicKey {
        let utf8 = Array(text.utf8)
        let isLowerHex = { (byte: UInt8) in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }
        guard utf8.count == 64, utf8.allSatisfy(isLowerHex) else {
            throw .invalidRecord(field: "public_key", reason: "must be 64 lowercase hex characters")
        }
        do {
            return try Ed25519.PublicKey(hex: text)
        } catch {
            throw .invalidRecord(field: "public_key", reason: "must be 64 lowercase hex characters")
        }
    }
}
