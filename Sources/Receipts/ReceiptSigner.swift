public import Cryptography
import JSON

/// Signs receipts: Ed25519 over the canonical bytes (spec/receipts.md §4), never over a hash.
public struct ReceiptSigner: Sendable {
    /// The primary (coordinator) key.
    public let key: Ed25519.PrivateKey
    /// Keys that each add one attestation over the same canonical bytes (§6).
    public let attestationKeys: [Ed25519.PrivateKey]
    /// Rules checked before signing.
    public let policy: ReceiptValidationPolicy

    /// Creates a signer.
    public init(key: Ed25519.PrivateKey, attestationKeys: [Ed25519.PrivateKey] = [], policy: ReceiptValidationPolicy = .standard) {
        self.key = key
        self.attestationKeys = attestationKeys
        self.policy = policy
    }

    /// Returns `receipt` with `signature` set and one attestation appended per attestation key
    /// (after any attestations already present, which stay untouched).
    /// - Throws: `ReceiptError.invalidField` when the receipt breaks a rule (nothing is signed),
    ///   `.nonFiniteNumber` when it has no canonical form.
    public func sign(_ receipt: Receipt) throws(ReceiptError) -> Receipt {
        try ReceiptValidator.validate(receipt, policy: policy)
        let canonical = try receipt.canonicalBytes()
        var signed = receipt
        signed.signature = ReceiptSignature(signing: canonical, with: key).json
        if !attestationKeys.isEmpty {
            var entries = receipt.attestations?.arrayValue ?? []
            for attestationKey in attestationKeys {
                entries.append(ReceiptSignature(signing: canonical, with: attestationKey).json)
            }
            signed.attestations = .array(entries)
        }
        return signed
    }
}
