public import JSON

// Receipt verification replies (spec/wallet-daemon.md §8, §12 [TARGET]).

/// `Sig = {"key_id", "alg", "valid"}` (reference) plus `trusted` (key_id ∈
/// `TRUSTED_RECEIPT_KEYS`) and `reason` (why `valid` is false; null when valid).
public struct WalletReceiptSignature: WireMessage {
    /// base64url-nopad of the public key as the receipt carries it ("" when missing).
    public var keyID: String
    /// The algorithm as the receipt names it (`Ed25519` when missing, as the reference reports).
    public var alg: String
    /// The signature verifies over the canonical receipt.
    public var valid: Bool
    /// The key is pinned by the daemon's operator.
    public var trusted: Bool
    /// Why the signature does not verify, or nil.
    public var reason: String?

    /// A status.
    public init(keyID: String, alg: String = "Ed25519", valid: Bool, trusted: Bool, reason: String? = nil) {
        self.keyID = keyID
        self.alg = alg
        self.valid = valid
        self.trusted = trusted
        self.reason = reason
    }

    /// Decodes leniently (`trusted` false and `reason` null when a reference daemon left them out).
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        keyID = try WireFields.string(try WireFields.required(body, "key_id"), field: "key_id")
        alg = try WireFields.optional(body, "alg", WireFields.string) ?? "Ed25519"
        guard let valid = try WireFields.required(body, "valid").boolValue else { throw WireDecodingError(field: "valid", reason: "must be a boolean") }
        self.valid = valid
        trusted = WireFields.member(body, "trusted")?.boolValue ?? false
        reason = try WireFields.optional(body, "reason", WireFields.string)
    }

    /// `{"key_id", "alg", "valid", "trusted", "reason"}`.
    public var json: JSONValue {
        .members([("key_id", .string(keyID)), ("alg", .string(alg)), ("valid", .bool(valid)), ("trusted", .bool(trusted)), ("reason", .optional(reason))])
    }
}

/// `Verification = {"job_id", "receipt_id", "miner_signature", "coordinator_attestations",
/// "all_valid"}`; `claimed_on_chain` is added when the daemon could ask the chain and
/// `work_claim_signature` when the receipt embeds the miner's signed work claim.
public struct WalletReceiptVerification: WireMessage {
    /// The job.
    public var jobID: String
    /// The receipt ("" when the receipt has none).
    public var receiptID: String
    /// The receipt's `signature`.
    public var minerSignature: WalletReceiptSignature
    /// Each of `attestations`.
    public var coordinatorAttestations: [WalletReceiptSignature]
    /// Every signature valid (true with zero attestations, as the reference).
    public var allValid: Bool
    /// Whether a RECEIPT_CLAIM for it is on chain; nil when unknown.
    public var claimedOnChain: Bool?
    /// The miner's work-claim signature (`metadata.miner_signature` over
    /// `metadata.work_claim`); nil when the receipt carries no work claim.
    public var workClaimSignature: WalletReceiptSignature?

    /// A verification.
    public init(
        jobID: String, receiptID: String, minerSignature: WalletReceiptSignature, coordinatorAttestations: [WalletReceiptSignature],
        allValid: Bool, claimedOnChain: Bool? = nil, workClaimSignature: WalletReceiptSignature? = nil
    ) {
        self.jobID = jobID
        self.receiptID = receiptID
        self.minerSignature = minerSignature
        self.coordinatorAttestations = coordinatorAttestations
        self.allValid = allValid
        self.claimedOnChain = claimedOnChain
        self.workClaimSignature = workClaimSignature
    }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        jobID = try WireFields.string(try WireFields.required(body, "job_id"), field: "job_id")
        receiptID = try WireFields.string(try WireFields.required(body, "receipt_id"), field: "receipt_id")
        minerSignature = try WalletReceiptSignature(json: try WireFields.required(body, "miner_signature"))
        var attestations: [WalletReceiptSignature] = []
        for item in try WireFields.array(try WireFields.required(body, "coordinator_attestations"), field: "coordinator_attestations") {
            attestations.append(try WalletReceiptSignature(json: item))
        }
        coordinatorAttestations = attestations
        guard let allValid = try WireFields.required(body, "all_valid").boolValue else {
            throw WireDecodingError(field: "all_valid", reason: "must be a boolean")
        }
        self.allValid = allValid
        claimedOnChain = WireFields.member(body, "claimed_on_chain")?.boolValue
        workClaimSignature = try WireFields.member(body, "work_claim_signature").map { value throws(WireDecodingError) in
            try WalletReceiptSignature(json: value)
        }
    }

    /// Members in the order above; `claimed_on_chain` only when known.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("job_id", .string(jobID)), ("receipt_id", .string(receiptID)), ("miner_signature", minerSignature.json),
            ("coordinator_attestations", .array(coordinatorAttestations.map(\.json))), ("all_valid", .bool(allValid)),
        ]
        if let claimedOnChain { pairs.append(("claimed_on_chain", .bool(claimedOnChain))) }
        if let workClaimSignature { pairs.append(("work_claim_signature", workClaimSignature.json)) }
        return .members(pairs)
    }
}

/// `GET /v1/receipts/{job_id}`: `{"result": Verification}`.
public struct WalletReceiptResponse: WireMessage {
    /// The latest receipt's verdict.
    public var result: WalletReceiptVerification

    /// A reply.
    public init(result: WalletReceiptVerification) { self.result = result }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        result = try WalletReceiptVerification(json: try WireFields.required(try WireFields.document(json, .httpBody), "result"))
    }

    /// `{"result": ...}`.
    public var json: JSONValue { .members([("result", result.json)]) }
}

/// `GET /v1/receipts/{job_id}/history`: `{"items": [Verification]}` (empty when the coordinator
/// knows no receipts).
public struct WalletReceiptHistoryResponse: WireMessage {
    /// One verdict per receipt, in the coordinator's order.
    public var items: [WalletReceiptVerification]

    /// A reply.
    public init(items: [WalletReceiptVerification]) { self.items = items }

    /// Decodes leniently.
    /// - Throws: `WireDecodingError`.
    public init(json: JSONValue) throws(WireDecodingError) {
        let body = try WireFields.document(json, .httpBody)
        var items: [WalletReceiptVerification] = []
        for item in try WireFields.array(try WireFields.required(body, "items"), field: "items") { items.append(try WalletReceiptVerification(json: item)) }
        self.items = items
    }

    /// `{"items": [...]}`.
    public var json: JSONValue { .members([("items", .array(items.map(\.json)))]) }
}
