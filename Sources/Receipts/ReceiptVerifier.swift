public import Cryptography
public import JSON

/// Verifies receipt signatures against keys the caller trusts (spec/receipts.md §7).
///
/// Never throws: every malformed input becomes an invalid check with a reason. The trust
/// anchor is always the caller's key set; a key named inside the receipt only selects among
/// trusted keys and is never trusted by itself.
public struct ReceiptVerifier: Sendable {
    /// Keys trusted for the primary signature (pinned coordinator keys).
    public var trustedKeys: [Ed25519.PublicKey]
    /// Keys trusted for attestations.
    public var attestationKeys: [Ed25519.PublicKey]
    /// Field rules applied after the signatures verify; nil skips them.
    public var policy: ReceiptValidationPolicy?

    /// Creates a verifier; attestations are checked against `attestationKeys`, or against
    /// `trustedKeys` when that is nil.
    public init(
        trustedKeys: [Ed25519.PublicKey], attestationKeys: [Ed25519.PublicKey]? = nil,
        policy: ReceiptValidationPolicy? = .standard
    ) {
        self.trustedKeys = trustedKeys
        self.attestationKeys = attestationKeys ?? trustedKeys
        self.policy = policy
    }

    /// Checks the primary signature and every attestation of `receipt`.
    public func verify(_ receipt: Receipt) -> ReceiptVerification {
        let canonical: [UInt8]
        do {
            canonical = try receipt.canonicalBytes()
        } catch {
            let failed = ReceiptVerification.Check(keyID: nil, status: .invalidField("payload"))
            return ReceiptVerification(signature: failed, attestations: [])
        }
        var fieldError: String?
        if let policy {
            do {
                try ReceiptValidator.validate(receipt, policy: policy)
            } catch {
                if case .invalidField(let name) = error { fieldError = name } else { fieldError = "payload" }
            }
        }
        func finish(_ check: ReceiptVerification.Check) -> ReceiptVerification.Check {
            guard check.isValid, let fieldError else { return check }
            return ReceiptVerification.Check(keyID: check.keyID, status: .invalidField(fieldError))
        }
        let primary = finish(check(receipt.signature, canonical: canonical, keys: trustedKeys))
        var attestationChecks: [ReceiptVerification.Check] = []
        switch receipt.attestations {
        case nil, .null?:
            break
        case .array(let entries)?:
            attestationChecks = entries.map { finish(check($0, canonical: canonical, keys: attestationKeys)) }
        case .some:
            attestationChecks = [ReceiptVerification.Check(keyID: nil, status: .malformedSignature)]
        }
        return ReceiptVerification(signature: primary, attestations: attestationChecks)
    }

    /// Checks one signature object over `canonical` (§7 steps 2–5).
    public func check(_ signature: JSONValue?, canonical: [UInt8], keys: [Ed25519.PublicKey]) -> ReceiptVerification.Check {
        guard let signature, !signature.isNull else { return .init(keyID: nil, status: .missingSignature) }
        guard case .object = signature else { return .init(keyID: nil, status: .malformedSignature) }
        let keyIDValue = signature["key_id"]
        let keyID = keyIDValue?.stringValue
        guard let alg = signature["alg"]?.stringValue, alg.utf8.elementsEqual(ReceiptSignature.ed25519.utf8) else {
            return .init(keyID: keyID, status: .unsupportedAlgorithm)
        }
        // Strict base64url (no padding, URL alphabet, zero unused bits) of exactly 64 bytes:
        // 86 characters whose last one is A, Q, g or w. One signature, one spelling.
        guard let sigText = signature["sig"]?.stringValue, sigText.utf8.count == 86,
            let sigBytes = try? Base64URL.decode(sigText), sigBytes.count == Ed25519.signatureLength
        else { return .init(keyID: keyID, status: .malformedSignature) }
        let candidates: [Ed25519.PublicKey]
        switch keyIDValue {
        case nil, .null?:
            candidates = keys
        case .string(let text)?:
            candidates = keys.filter { $0.keyID.utf8.elementsEqual(text.utf8) }
        case .some:
            return .init(keyID: nil, status: .malformedSignature)
        }
        guard !candidates.isEmpty else { return .init(keyID: keyID, status: .unknownKey) }
        for key in candidates where key.isValidSignature(sigBytes, for: canonical) {
            return .init(keyID: keyID ?? key.keyID, status: .valid)
        }
        return .init(keyID: keyID, status: .signatureMismatch)
    }
}
