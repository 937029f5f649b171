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

    /// Returns `receipt` with a fresh `signature` and, when there are attestation keys, a fresh
    /// `attestations` list (one entry per key, in order). Signatures the input already carried
    /// are replaced, not kept: the result carries exactly the signatures this signer made.
    /// - Throws: `ReceiptError.invalidField` when the receipt breaks a rule (nothing is signed),
    ///   `.nonFiniteNumber` when it has no canonical form.
    public func sign(_ receipt: Receipt) throws(ReceiptError) -> Receipt {
        try ReceiptValidator.validate(receipt, policy: policy)
        let canonical = try receipt.canonicalBytes()
        var signed = receipt
        signed.signature = ReceiptSignature(signing: canonical, with: key).json
        signed.attestations =
            attestationKeys.isEmpty
            ? nil : .array(attestationKeys.map { ReceiptSignature(signing: canonical, with: $0).json })
        return signed
    }
}
