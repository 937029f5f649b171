import JSON

/// The receipt field rules (spec/receipts.md §2). The issuer refuses to sign a receipt that
/// breaks one; the verifier reports `invalid_field:<name>`.
///
/// Always: required members present with the right JSON type (a `null` counts as absent),
/// `started_at`/`completed_at`/`duration_ms`/`chain_id` integers, `completed_at >= started_at`,
/// `units >= 0`, `price >= 0` when present, no non-finite number anywhere. With a policy:
/// `chain_id` equal to the network's, `completed_at` within the retention period.
/// Uniqueness of `receipt_id` per issuer needs the issuer's store and is checked there.
public enum ReceiptValidator {
    private static let requiredStrings = ["version", "receipt_id", "job_id", "provider", "client", "unit_type"]
    private static let optionalStrings = ["model", "prompt_hash", "artifact_hash", "coordinator_id", "nonce"]

    /// Checks `receipt` against the rules.
    /// - Throws: `ReceiptError.invalidField` naming the first offending member (in the order the
    ///   fields table lists them).
    public static func validate(_ receipt: Receipt, policy: ReceiptValidationPolicy = .standard) throws(ReceiptError) {
        func field(_ name: String) -> JSONValue? {
            guard let value = receipt[field: name], !value.isNull else { return nil }
            return value
        }
        for name in requiredStrings where field(name)?.stringValue == nil { throw .invalidField(name) }
        guard let units = field("units"), isNonNegativeNumber(units) else { throw .invalidField("units") }
        if let price = field("price"), !isNonNegativeNumber(price) { throw .invalidField("price") }
        for name in optionalStrings {
            if let value = field(name), value.stringValue == nil { throw .invalidField(name) }
        }
        guard let startedAt = field("started_at")?.int64Value else { throw .invalidField("started_at") }
        guard let completedAt = field("completed_at")?.int64Value, completedAt >= startedAt else {
            throw .invalidField("completed_at")
        }
        if let duration = field("duration_ms") {
            guard let value = duration.integerValue, !value.isNegative else { throw .invalidField("duration_ms") }
        }
        if let chainID = field("chain_id") {
            guard let value = chainID.int64Value else { throw .invalidField("chain_id") }
            if let expected = policy.expectedChainID, value != expected { throw .invalidField("chain_id") }
        }
        if let metadata = field("metadata"), metadata.objectValue == nil { throw .invalidField("metadata") }
        if let retention = policy.retentionSeconds, let now = policy.now {
            let (oldest, overflow) = now.subtractingReportingOverflow(retention)
            if !overflow && completedAt < oldest { throw .invalidField("completed_at") }
        }
        for member in receipt.payload where !isFinite(member.value) { throw .invalidField(member.key) }
    }

    private static func isNonNegativeNumber(_ value: JSONValue) -> Bool {
        switch value {
        case .integer(let integer): return !integer.isNegative
        case .float(let number): return number.isFinite && number >= 0
        default: return false
        }
    }

    private static func isFinite(_ value: JSONValue) -> Bool {
        switch value {
        case .float(let number): return number.isFinite
        case .array(let elements): return elements.allSatisfy(isFinite)
        case .object(let members): return members.allSatisfy { isFinite($0.value) }
        default: return true
        }
    }
}
