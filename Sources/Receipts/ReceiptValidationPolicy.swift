/// Which of the context-dependent receipt rules (spec/receipts.md §2) to apply on top of
/// the structural ones, which always apply.
public struct ReceiptValidationPolicy: Sendable, Equatable {
    /// When set, a present `chain_id` must equal it.
    public var expectedChainID: Int64?
    /// When set with `now`, receipts whose `completed_at` is older than `now - retentionSeconds` are rejected.
    public var retentionSeconds: Int64?
    /// The current Unix time used for the retention rule (injected, so tests are exact).
    public var now: Int64?

    /// Creates a policy.
    public init(expectedChainID: Int64? = nil, retentionSeconds: Int64? = nil, now: Int64? = nil) {
        self.expectedChainID = expectedChainID
        self.retentionSeconds = retentionSeconds
        self.now = now
    }

    /// Structural rules only.
    public static let standard = ReceiptValidationPolicy()
}
