public import Cryptography
public import JSON
public import Receipts
import ServiceRuntime
import TerminalText

/// Every signature of one receipt with its status: the coordinator's (`signature`), each
/// attestation, and the miner's work claim (`metadata.work_claim` + `metadata.miner_signature`).
public struct ReceiptReport: Sendable, Equatable {
    /// One checked signature.
    public struct Entry: Sendable, Equatable {
        /// `signature`, `attestation[0]`, …, `work_claim`.
        public var role: String
        /// The `key_id` the signature named, when it was a string.
        public var keyID: String?
        /// `valid` or the reason (`unknown_key`, `signature_mismatch`, `claim_mismatch:job_id`, …).
        public var status: String

        /// Whether the entry is valid.
        public var isValid: Bool { status == "valid" }
    }

    /// The checks, in receipt order; the work claim last.
    public var entries: [Entry]
    /// False when the receipt carries no work claim (the miner signed none): reported, not a failure.
    public var hasWorkClaim: Bool

    /// Every entry valid.
    public var isVerified: Bool { entries.allSatisfy(\.isValid) }

    /// Checks `receipt`: the coordinator signature against `trustedKeys`, attestations against
    /// `attestationKeys` (`trustedKeys` when nil), the work claim against its own key_id (or only
    /// `minerKeys` when given) and against the receipt.
    public static func make(
        _ receipt: Receipt, trustedKeys: [Ed25519.PublicKey], attestationKeys: [Ed25519.PublicKey]? = nil,
        minerKeys: [Ed25519.PublicKey]?
    ) -> ReceiptReport {
        let verification = ReceiptVerifier(trustedKeys: trustedKeys, attestationKeys: attestationKeys).verify(receipt)
        var entries = [Entry(role: "signature", keyID: verification.signature.keyID, status: "\(verification.signature.status)")]
        for (index, check) in verification.attestations.enumerated() {
            entries.append(Entry(role: "attestation[\(index)]", keyID: check.keyID, status: "\(check.status)"))
        }
        let claim = workClaimEntry(receipt, minerKeys: minerKeys)
        if let claim { entries.append(claim) }
        return ReceiptReport(entries: entries, hasWorkClaim: claim != nil)
    }

    /// nil when the receipt has neither `work_claim` nor `miner_signature`.
    static func workClaimEntry(_ receipt: Receipt, minerKeys: [Ed25519.PublicKey]?) -> Entry? {
        let metadata = receipt.payload.first { $0.key == "metadata" }?.value
        let claim = metadata?["work_claim"].flatMap { $0.isNull ? nil : $0 }
        let signature = metadata?["miner_signature"].flatMap { $0.isNull ? nil : $0 }
        guard claim != nil || signature != nil else { return nil }
        let keyID = signature?["key_id"]?.stringValue
        func entry(_ status: String) -> Entry { Entry(role: "work_claim", keyID: keyID, status: status) }
        guard let claim else { return entry("invalid_field:work_claim") }
        guard let canonical = try? CanonicalJSON.bytes(of: claim) else { return entry("invalid_field:work_claim") }
        // The claim names its signer by key_id (the key itself); the coordinator checked it
        // against the key the miner registered, and its own signature covers the claim.
        var keys = minerKeys ?? []
        if minerKeys == nil, let keyID, let raw = try? Base64URL.decode(keyID), let key = try? Ed25519.PublicKey(rawRepresentation: raw) {
            keys = [key]
        }
        let check = ReceiptVerifier(trustedKeys: keys, policy: nil).check(signature, canonical: canonical, keys: keys)
        guard check.isValid else { return entry("\(check.status)") }
        guard let parsed = WorkClaim(json: claim) else { return entry("invalid_field:work_claim") }
        if parsed.jobID != receipt.payload.first(where: { $0.key == "job_id" })?.value.stringValue {
            return entry("claim_mismatch:job_id")
        }
        if let provider = receipt.payload.first(where: { $0.key == "provider" })?.value.stringValue, parsed.minerID != provider {
            return entry("claim_mismatch:miner_id")
        }
        // Checkable only when the result is inline (a large one is stored as metadata.result_ref).
        if let result = metadata?["result"], !result.isNull {
            guard let hash = try? WorkClaim.resultHash(of: result), hash == parsed.resultHash else {
                return entry("claim_mismatch:result_hash")
            }
        }
        return entry("valid")
    }

    /// `signature key_id=…: valid` lines, then a summary; key ids are the receipt's text, escaped.
    public var lines: [String] {
        var lines = entries.map { "\($0.role) key_id=\($0.keyID.map { UntrustedText.display($0) } ?? "-"): \($0.status)" }
        if !hasWorkClaim { lines.append("work_claim: absent (the miner signed no claim)") }
        let failed = entries.filter { !$0.isValid }.count
        lines.append(failed == 0 ? "verified: \(entries.count) of \(entries.count) signatures valid" : "not verified: \(failed) of \(entries.count) signatures invalid")
        return lines
    }

    /// `{"verified", "signatures": [{"role","key_id","status"}], "work_claim_present"}`.
    public var json: JSONValue {
        let signatures: [JSONValue] = entries.map { entry in
            ["role": .string(entry.role), "key_id": entry.keyID.map { .string($0) } ?? .null, "status": .string(entry.status)]
        }
        return ["verified": .bool(isVerified), "signatures": .array(signatures), "work_claim_present": .bool(hasWorkClaim)]
    }
}
