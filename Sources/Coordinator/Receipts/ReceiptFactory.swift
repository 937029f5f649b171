import Cryptography
import JSON
import Receipts
import WireModels

/// Builds and signs the compute receipt of a completed job (spec/coordinator.md §9,
/// spec/receipts.md §1–§6) from coordinator-side facts. The billed `units`, `unit_type` and
/// `price` come from `Billing` (the coordinator's rule, never the miner's figures); the
/// miner's own figures are kept beside them in `metadata.billing`.
struct ReceiptFactory: Sendable {
    /// The signer; nil when `RECEIPT_SIGNING_KEY_HEX` is unset (no receipts at all).
    let signer: ReceiptSigner?

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
        metadata.append(JSONMember(key: "billing", value: facts.billing.json))
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
            JSONMember(key: "unit_type", value: .string(facts.billing.unitType.rawValue)),
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
