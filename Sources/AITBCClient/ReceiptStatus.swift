import JSON
public import Receipts
public import WireModels

/// One receipt and what `ReceiptVerifier` said about each of its signatures.
public struct VerifiedReceipt: Sendable, Equatable {
    /// The receipt as received (parsed from the raw response text, numbers as written).
    public var receipt: Receipt
    /// The primary signature's and each attestation's status, with its key id and reason.
    public var verification: ReceiptVerification

    /// Pairs a receipt with its verification.
    public init(receipt: Receipt, verification: ReceiptVerification) {
        self.receipt = receipt
        self.verification = verification
    }

    /// `receipt_id`, else `id`, else `uuid`, else "" (spec/receipts.md §8).
    public var receiptID: String {
        for name in ["receipt_id", "id", "uuid"] {
            if let text = receipt[field: name]?.stringValue { return text }
        }
        return ""
    }

    /// Primary and every attestation valid.
    public var isVerified: Bool { verification.isVerified }
}

/// The verification summary of a job's whole receipt history (spec/receipts.md §8 `ReceiptStatus`).
/// Never thrown: every malformed receipt is a failure with its reason.
public struct ReceiptStatus: Sendable, Equatable {
    /// The job.
    public var jobID: JobID
    /// Every receipt in history order (oldest first), each verified.
    public var receipts: [VerifiedReceipt]

    /// Summarises `receipts` of `jobID`.
    public init(jobID: JobID, receipts: [VerifiedReceipt]) {
        self.jobID = jobID
        self.receipts = receipts
    }

    /// Number of receipts.
    public var total: Int { receipts.count }
    /// Number whose signatures all verified.
    public var verifiedCount: Int { receipts.count(where: \.isVerified) }
    /// The receipts that did not verify, in order.
    public var failed: [VerifiedReceipt] { receipts.filter { !$0.isVerified } }
    /// The last verified receipt in history order.
    public var latestVerified: VerifiedReceipt? { receipts.last(where: \.isVerified) }
    /// Each failure reason (`miner_signature_invalid:<key_id>`, …) and how often it occurred.
    public var failureReasons: [String: Int] {
        var counts: [String: Int] = [:]
        for item in receipts { for reason in item.verification.failureReasons { counts[reason, default: 0] += 1 } }
        return counts
    }
    /// At least one receipt, and every one verified.
    public var allVerified: Bool { total > 0 && verifiedCount == total }
    /// Whether any receipt failed.
    public var hasFailures: Bool { verifiedCount < total }
}
