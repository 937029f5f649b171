public import Cryptography
public import JSON
import Receipts
public import WireModels

/// What a valid receipt claim mints, and to whom.
public struct VerifiedClaim: Sendable, Equatable {
    public var receiptID: ReceiptID
    public var jobID: String
    /// The work claim's payout address (the miner's key signed it).
    public var miner: Address
    /// The address of the coordinator key that signed the receipt.
    public var coordinator: Address
    /// ⌊units × mint_per_unit⌋.
    public var minted: UInt64
    /// ⌊minted × coordinator_ratio⌋, issued on top.
    public var coordinatorAmount: UInt64
    /// SHA-256 of the receipt's canonical bytes (the receipts-root leaf).
    public var receiptHash: [UInt8]
}

/// The offline rules a RECEIPT_CLAIM must pass (spec/chain-node.md §6, N9). No HTTP call
/// decides validity: the trust anchor is the coordinator keys pinned in genesis, and the payout
/// address comes from the miner's own signed work claim, so neither the coordinator nor the
/// submitter can redirect the mint.
public struct ReceiptClaimRules: Sendable {
    public let coordinatorKeys: [Ed25519.PublicKey]
    public let parameters: ChainParameters

    /// Rules for a chain's genesis.
    public init(coordinatorKeys: [Ed25519.PublicKey], parameters: ChainParameters) {
        self.coordinatorKeys = coordinatorKeys
        self.parameters = parameters
    }

    /// Checks `receipt` (the claim's `payload.receipt`); whether it was claimed before is the
    /// caller's question (it needs the ledger).
    /// - Throws: `TxRejection.unknownCoordinatorKey`, `.invalidReceipt`, `.workClaimMismatch`, `.amountOverflow`.
    public func verify(_ receiptJSON: JSONValue) throws(TxRejection) -> VerifiedClaim {
        let receipt: Receipt
        let canonical: [UInt8]
        do {
            receipt = try Receipt(json: receiptJSON)
            canonical = try receipt.canonicalBytes()
        } catch {
            throw .invalidReceipt(reason: "\(error)")
        }
        // 1. The coordinator's signature, by a pinned key only.
        guard case .object? = receipt.signature else { throw .invalidReceipt(reason: "signature: missing_signature") }
        let keyID = receipt.signature?["key_id"]?.stringValue ?? ""
        guard let coordinatorKey = coordinatorKeys.first(where: { $0.keyID == keyID }) else {
            throw .unknownCoordinatorKey(keyID: String(keyID.prefix(64)))
        }
        let verifier = ReceiptVerifier(trustedKeys: [coordinatorKey], attestationKeys: [], policy: .standard)
        let check = verifier.check(receipt.signature, canonical: canonical, keys: [coordinatorKey])
        guard check.isValid else { throw .invalidReceipt(reason: "signature: \(check.status)") }
        do {
            try ReceiptValidator.validate(receipt, policy: .standard)
        } catch {
            throw .invalidReceipt(reason: "\(error)")
        }
        guard let receiptIDText = receipt[field: "receipt_id"]?.stringValue, let receiptID = ReceiptID(receiptIDText) else {
            throw .invalidReceipt(reason: "receipt_id: \(ReceiptID.rule)")
        }
        guard let jobID = receipt[field: "job_id"]?.stringValue, let provider = receipt[field: "provider"]?.stringValue,
            let unitsValue = receipt[field: "units"], let units = ExactDecimal(json: unitsValue),
            let unitType = receipt[field: "unit_type"]?.stringValue
        else { throw .invalidReceipt(reason: "job_id, provider, units (≥ 0) and unit_type are required") }

        // 2. The miner's own signed statement, bound into the receipt by the coordinator's signature.
        let metadata = receipt[field: "metadata"]
        guard let claim = metadata?["work_claim"], case .object = claim, let minerSignature = metadata?["miner_signature"] else {
            throw .workClaimMismatch(reason: "the receipt carries no work_claim and miner_signature")
        }
        guard let minerKeyID = minerSignature["key_id"]?.stringValue, minerKeyID.utf8.count == 43,
            let minerKeyBytes = try? Base64URL.decode(minerKeyID), let minerKey = try? Ed25519.PublicKey(rawRepresentation: minerKeyBytes),
            minerKey.isValidPoint
        else { throw .workClaimMismatch(reason: "miner_signature.key_id is not an Ed25519 public key") }
        guard WorkClaim.isValid(claim: claim, signature: minerSignature, publicKey: minerKey) else {
            throw .workClaimMismatch(reason: "miner_signature does not verify over the work claim")
        }
        guard claim["job_id"]?.stringValue == jobID else { throw .workClaimMismatch(reason: "job_id differs from the receipt's") }
        guard claim["miner_id"]?.stringValue == provider else { throw .workClaimMismatch(reason: "miner_id differs from the receipt's provider") }
        guard let claimUnits = claim["units"], ExactDecimal(json: claimUnits) == units else {
            throw .workClaimMismatch(reason: "units differ from the receipt's")
        }
        guard claim["unit_type"]?.stringValue == unitType else { throw .workClaimMismatch(reason: "unit_type differs from the receipt's") }

        // 3. Where the mint goes.
        let payout: Address
        if let text = claim["payout_address"] {
            guard let address = text.stringValue.flatMap(Address.init) else {
                throw .workClaimMismatch(reason: "payout_address: \(Address.rule)")
            }
            payout = address
        } else {
            payout = Address(publicKey: minerKey)
        }

        // 4. How much: exact decimal products, rounded down.
        guard let minted = units.multipliedRoundingDown(by: parameters.mintPerUnit),
            let coordinatorAmount = parameters.coordinatorRatio.multipliedRoundingDown(by: minted)
        else { throw .amountOverflow }
        return VerifiedClaim(
            receiptID: receiptID, jobID: jobID, miner: payout, coordinator: Address(publicKey: coordinatorKey), minted: minted,
            coordinatorAmount: coordinatorAmount, receiptHash: SHA256.hash(canonical))
    }
}
