import Cryptography
import JSON
import Receipts

/// Builds and signs the compute receipt of a completed job (spec/coordinator.md §9,
/// spec/receipts.md §1–§6) from coordinator-side facts.
///
/// Billing rule (spec §9 "never trusted blindly from the miner"): `units` is the first
/// non-null of `metrics.units`, `result.units`; it must be a finite number ≥ 0. For the
/// time-based unit types (`gpu_seconds`, `cpu_seconds`, `seconds`) the coordinator measures
/// the wall time from assignment (`started_at`) to completion and caps the claim at it (one
/// device per job); when the miner claims nothing, the measured wall time is billed. Other
/// unit types (e.g. `token_ops`) cannot be measured here and are taken as claimed.
struct ReceiptFactory: Sendable {
    /// Unit types measured in seconds of wall time.
    static let timeBasedUnitTypes: Set<String> = ["gpu_seconds", "cpu_seconds", "seconds"]

    /// The signer; nil when `RECEIPT_SIGNING_KEY_HEX` is unset (no receipts at all).
    let signer: ReceiptSigner?

    /// The billed amounts of one completion.
    struct Billing: Sendable {
        var units: Double
        var unitType: String
        var price: Double?
    }

    /// Derives and validates the billed units, unit type and price.
    /// - Throws: `CoordinatorError.invalidPayload` for non-finite/negative numbers or a bad unit type.
    static func billing(result: JSONValue, metrics: JSONValue, wallMilliseconds: Int64) throws(CoordinatorError) -> Billing {
        func firstNonNull(_ key: String) -> JSONValue? {
            for source in [metrics, result] {
                if let value = source[key], !value.isNull { return value }
            }
            return nil
        }
        var unitType = "gpu_seconds"
        if let value = firstNonNull("unit_type") {
            guard let text = value.stringValue, (1...64).contains(text.utf8.count) else {
                throw .invalidPayload("unit_type: must be a string of 1...64 bytes")
            }
            unitType = text
        }
        var claimed: Double?
        if let value = firstNonNull("units") {
            guard let number = value.doubleValue, number.isFinite, number >= 0 else {
                throw .invalidPayload("units: must be a finite number >= 0")
            }
            claimed = number
        }
        var price: Double?
        if let value = firstNonNull("price") {
            guard let number = value.doubleValue, number.isFinite, number >= 0 else {
                throw .invalidPayload("price: must be a finite number >= 0")
            }
            price = number
        }
        let units: Double
        if timeBasedUnitTypes.contains(unitType) {
            let wallSeconds = Double(max(0, wallMilliseconds)) / 1_000
            units = min(claimed ?? wallSeconds, wallSeconds)
        } else {
            units = claimed ?? 0
        }
        return Billing(units: units, unitType: unitType, price: price)
    }

    /// Everything the coordinator knows about a completion.
    struct Facts {
        var receiptID: String
        var jobID: String
        var clientID: String
        var minerID: String
        var payload: JSONValue
        var constraints: JSONValue
        /// The inline result, or nil when it is stored on disk (then `resultRef` is set).
        var result: JSONValue?
        var resultRef: String?
        /// `sha256:<hex>` of the result's compact JSON.
        var artifactHash: String
        var metrics: JSONValue
        /// The miner's verified work claim, embedded as `work_claim` + `miner_signature`.
        var workClaim: SignedWorkClaim?
        var billing: Billing
        var requestedAt: Int64
        var startedAt: Int64
        var completedAt: Int64
    }

    /// The signed receipt, or nil when signing is off.
    /// - Throws: `CoordinatorError.invalidPayload` when the receipt breaks a receipt rule
    ///   (nothing is signed).
    func make(_ facts: Facts) throws(CoordinatorError) -> JSONValue? {
        guard let signer else { return nil }
        var metadata: [JSONMember] = [
            JSONMember(key: "job_payload", value: facts.payload),
            JSONMember(key: "job_constraints", value: facts.constraints),
        ]
        if let result = facts.result {
            metadata.append(JSONMember(key: "result", value: result))
        } else if let ref = facts.resultRef {
            metadata.append(JSONMember(key: "result_ref", value: .string(ref)))
        }
        metadata.append(JSONMember(key: "metrics", value: facts.metrics))
        if let claim = facts.workClaim {
            metadata.append(JSONMember(key: "work_claim", value: claim.claim))
            metadata.append(JSONMember(key: "miner_signature", value: claim.signature))
        }
        metadata.append(
            JSONMember(key: "requested_at", value: .integer(JSONInteger(CoordinatorTime.epochSeconds(milliseconds: facts.requestedAt)))))
        var members: [JSONMember] = [
            JSONMember(key: "version", value: "1.0"),
            JSONMember(key: "receipt_id", value: .string(facts.receiptID)),
            JSONMember(key: "job_id", value: .string(facts.jobID)),
            JSONMember(key: "provider", value: .string(facts.minerID)),
            JSONMember(key: "client", value: .string(facts.clientID)),
            JSONMember(key: "units", value: .float(facts.billing.units)),
            JSONMember(key: "unit_type", value: .string(facts.billing.unitType)),
        ]
        if let price = facts.billing.price { members.append(JSONMember(key: "price", value: .float(price))) }
        members.append(contentsOf: [
            JSONMember(key: "started_at", value: .integer(JSONInteger(CoordinatorTime.epochSeconds(milliseconds: facts.startedAt)))),
            JSONMember(
                key: "completed_at", value: .integer(JSONInteger(CoordinatorTime.epochSeconds(milliseconds: facts.completedAt)))),
            JSONMember(key: "duration_ms", value: .integer(JSONInteger(max(0, facts.completedAt - facts.startedAt)))),
            JSONMember(key: "artifact_hash", value: .string(facts.artifactHash)),
            JSONMember(key: "coordinator_id", value: .string(signer.key.publicKey.keyID)),
            JSONMember(key: "metadata", value: .object(metadata)),
        ])
        do {
            return try signer.sign(Receipt(payload: members)).json
        } catch {
            throw .invalidPayload("receipt: \(error)")
        }
    }
}
