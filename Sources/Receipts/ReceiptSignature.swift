public import Cryptography
public import JSON

/// A signature object (spec/receipts.md §5): `{"alg": "Ed25519", "key_id": …, "sig": …}`.
public struct ReceiptSignature: Sendable, Equatable {
    /// The only approved algorithm name (case-sensitive).
    public static let ed25519 = "Ed25519"

    /// Algorithm name.
    public var alg: String
    /// Unpadded base64url of the signer's 32-byte public key (43 characters).
    public var keyID: String
    /// Unpadded base64url of the 64-byte signature (86 characters).
    public var sig: String

    /// Creates a signature object from its fields.
    public init(alg: String = ReceiptSignature.ed25519, keyID: String, sig: String) {
        self.alg = alg
        self.keyID = keyID
        self.sig = sig
    }

    /// Signs `canonical` bytes with `key`.
    public init(signing canonical: [UInt8], with key: Ed25519.PrivateKey) {
        self.init(keyID: key.publicKey.keyID, sig: Base64URL.encode(key.signature(for: canonical)))
    }

    /// The JSON object, members in the order `alg`, `key_id`, `sig`.
    public var json: JSONValue {
        ["alg": .string(alg), "key_id": .string(keyID), "sig": .string(sig)]
    }
}
