public import JSON
public import WireModels

/// One receipt this miner earned and claims on the chain (`RECEIPT_CLAIM`), as persisted in
/// `<workspace_root>/claims/<receipt_id>.json`: the receipt exactly as the coordinator served
/// it and, once prepared, the signed transaction with its fixed nonce and id.
///
/// The transaction is written here before it is first sent and re-sent unchanged until it is
/// included (a resend of the same transaction is the same transaction to the node), so one
/// receipt never has two different claims in flight.
public struct ReceiptClaim: Sendable, Equatable {
    /// Where the claim stands.
    public enum State: String, Sendable, CaseIterable {
        /// Not yet in a block: prepared and sent (or to be) until it is.
        case pending = "PENDING"
        /// This miner's transaction is in a block: the receipt's AIT was minted.
        case included = "INCLUDED"
        /// The node answered `RECEIPT_ALREADY_CLAIMED`: another transaction claimed it.
        case claimedElsewhere = "CLAIMED_ELSEWHERE"
        /// The node refuses the receipt itself (`INVALID_RECEIPT`, `UNKNOWN_COORDINATOR_KEY`,
        /// `WORK_CLAIM_MISMATCH`, …): resending cannot help.
        case failed = "FAILED"

        /// Whether nothing is left to do.
        public var isSettled: Bool { self != .pending }
    }

    /// The receipt's `receipt_id` (also the file name).
    public var receiptID: ReceiptID
    /// The job the receipt is for.
    public var jobID: String
    /// The coordinator's receipt, `signature` included.
    public var receipt: JSONValue
    /// Where the claim stands.
    public var state: State
    /// Unix milliseconds when the receipt was recorded (orders claims not yet prepared).
    public var recordedAt: Int64
    /// The signed claim; nil until prepared (the nonce comes from the node).
    public var transaction: TransactionMessage?
    /// `transaction`'s id.
    public var txHash: TxHash?
    /// Whether the node admitted `transaction` at least once (from then on it is polled).
    public var submitted: Bool
    /// The block that included it.
    public var blockHeight: UInt64?
    /// The node's refusal of a failed claim (`CODE: message`).
    public var error: String?

    /// A claim not yet prepared.
    public init(receiptID: ReceiptID, jobID: String, receipt: JSONValue, recordedAt: Int64) {
        self.receiptID = receiptID
        self.jobID = jobID
        self.receipt = receipt
        state = .pending
        self.recordedAt = recordedAt
        submitted = false
    }

    /// The file's JSON object.
    public var json: JSONValue {
        .object([
            JSONMember(key: "receipt_id", value: .string(receiptID.rawValue)), JSONMember(key: "job_id", value: .string(jobID)),
            JSONMember(key: "state", value: .string(state.rawValue)),
            JSONMember(key: "recorded_at", value: .integer(JSONInteger(recordedAt))),
            JSONMember(key: "tx_hash", value: txHash.map { .string($0.rawValue) } ?? .null),
            JSONMember(key: "submitted", value: .bool(submitted)),
            JSONMember(key: "block_height", value: blockHeight.map { .integer(JSONInteger(Int64(clamping: $0))) } ?? .null),
            JSONMember(key: "error", value: error.map { .string($0) } ?? .null),
            JSONMember(key: "tx", value: transaction?.json ?? .null),
            JSONMember(key: "receipt", value: receipt),
        ])
    }

    /// Reads a claim file's object; nil when a member is missing or malformed (a stored `tx`
    /// needs its `tx_hash`; `ReceiptClaimStore` checks that one is the other's id).
    public init?(json: JSONValue) {
        guard let idText = json["receipt_id"]?.stringValue, let receiptID = ReceiptID(idText), let jobID = json["job_id"]?.stringValue,
            let stateText = json["state"]?.stringValue, let state = State(rawValue: stateText),
            let recordedAt = json["recorded_at"]?.int64Value, let receipt = json["receipt"], case .object = receipt,
            receipt["receipt_id"]?.stringValue == idText
        else { return nil }
        self.init(receiptID: receiptID, jobID: jobID, receipt: receipt, recordedAt: recordedAt)
        self.state = state
        submitted = json["submitted"]?.boolValue ?? false
        blockHeight = json["block_height"]?.int64Value.flatMap { UInt64(exactly: $0) }
        error = json["error"]?.stringValue
        if let stored = json["tx"], !stored.isNull {
            guard let transaction = try? TransactionMessage(json: stored), let hashText = json["tx_hash"]?.stringValue,
                let hash = TxHash(hashText)
            else { return nil }
            self.transaction = transaction
            txHash = hash
        }
    }
}
