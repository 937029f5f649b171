public import Cryptography
import JSON
public import Receipts
public import WireModels

/// Receipt verdicts of spec/wallet-daemon.md §12 [TARGET].
///
/// `valid` keeps the reference's verdict: the signature verifies under the key its own
/// `key_id` names, over the canonical receipt (the `Receipts` module's canonical form, which
/// is the reference's). `trusted` says whether that key is pinned (`TRUSTED_RECEIPT_KEYS`),
/// and `all_valid` needs every signature valid **and** trusted, so a self-signed forgery is
/// no longer reported valid overall (§14.10). Missing or malformed signatures give
/// `valid: false` with a `reason`; nothing here throws, so no receipt can cause a 500.
public struct WalletReceiptVerifier: Sendable {
    /// The pinned key ids.
    public let trustedKeyIDs: Set<String>
    /// Attestations checked per receipt; a receipt with more is reported with one extra
    /// entry, reason `too_many_attestations`, and `all_valid: false`.
    public static let maxAttestations = 64

    /// A verifier trusting `trustedKeys`.
    public init(trustedKeys: [Ed25519.PublicKey]) {
        trustedKeyIDs = Set(trustedKeys.map(\.keyID))
    }

    /// The verdict on `receipt`, fetched for `jobID`.
    public func verify(_ receipt: Receipt, jobID: String) -> WalletReceiptVerification {
        let canonical = try? receipt.canonicalBytes()
        let miner = check(receipt.signature, canonical: canonical)
        var attestations: [WalletReceiptSignature] = []
        switch receipt.attestations {
        case nil, .null?: break
        case .array(let items)?:
            attestations = items.prefix(Self.maxAttestations).map { check($0, canonical: canonical) }
            // Attestations are outside the signed payload: anyone can append to a genuine
            // receipt, so entries past the limit are not dropped silently but fail it.
            if items.count > Self.maxAttestations {
                attestations.append(WalletReceiptSignature(keyID: "", valid: false, trusted: false, reason: "too_many_attestations"))
            }
        case .some: attestations = [WalletReceiptSignature(keyID: "", valid: false, trusted: false, reason: "malformed_signature")]
        }
        let all = [miner] + attestations
        return WalletReceiptVerification(
            jobID: receipt[field: "job_id"]?.stringValue ?? jobID, receiptID: receipt[field: "receipt_id"]?.stringValue ?? "",
            minerSignature: miner, coordinatorAttestations: attestations, allValid: all.allSatisfy { $0.valid && $0.trusted },
            workClaimSignature: workClaim(receipt))
    }

    /// One signature object: REF validity (key from `key_id`), pinned or not, and why not.
    func check(_ signature: JSONValue?, canonical: [UInt8]?) -> WalletReceiptSignature {
        let keyID = signature?["key_id"]?.stringValue ?? ""
        let alg = signature?["alg"]?.stringValue ?? ReceiptSignature.ed25519
        let trusted = trustedKeyIDs.contains(keyID)
        guard let canonical else { return WalletReceiptSignature(keyID: keyID, alg: alg, valid: false, trusted: trusted, reason: "invalid_payload") }
        guard let signature, !signature.isNull else {
            return WalletReceiptSignature(keyID: keyID, alg: alg, valid: false, trusted: false, reason: "missing_signature")
        }
        let keys = (try? Base64URL.decode(keyID)).flatMap { try? Ed25519.PublicKey(rawRepresentation: $0) }.map { [$0] } ?? []
        let outcome = ReceiptVerifier(trustedKeys: keys, policy: nil).check(signature, canonical: canonical, keys: keys)
        return WalletReceiptSignature(
            keyID: keyID, alg: alg, valid: outcome.isValid, trusted: trusted, reason: outcome.isValid ? nil : outcome.status.description)
    }

    /// The miner's signature over `metadata.work_claim`, when the receipt has one.
    func workClaim(_ receipt: Receipt) -> WalletReceiptSignature? {
        guard let metadata = receipt[field: "metadata"], let claim = metadata["work_claim"], !claim.isNull else { return nil }
        let signature = metadata["miner_signature"] ?? .null
        let keyID = signature["key_id"]?.stringValue ?? ""
        let alg = signature["alg"]?.stringValue ?? ReceiptSignature.ed25519
        guard !signature.isNull else { return WalletReceiptSignature(keyID: "", alg: alg, valid: false, trusted: false, reason: "missing_signature") }
        guard let bytes = try? Base64URL.decode(keyID), let key = try? Ed25519.PublicKey(rawRepresentation: bytes) else {
            return WalletReceiptSignature(keyID: keyID, alg: alg, valid: false, trusted: false, reason: "malformed_signature")
        }
        let valid = WorkClaim.isValid(claim: claim, signature: signature, publicKey: key)
        // Miner keys are registered with the coordinator, not pinned here: never "trusted".
        return WalletReceiptSignature(keyID: keyID, alg: alg, valid: valid, trusted: false, reason: valid ? nil : "signature_mismatch")
    }
}
