/// What the coordinator reports about a job a miner ran (§4.2 `/v1/feedback`).
public enum FeedbackOutcome: String, Sendable, CaseIterable {
    case accepted, rejected, failed, completed

    /// Reads the wire name.
    /// - Throws: `PoolHubError.unknownOutcome` for any other text (422).
    public init(parsing text: String) throws(PoolHubError) {
        guard let outcome = FeedbackOutcome(rawValue: text) else { throw .unknownOutcome }
        self = outcome
    }

    /// The value trust moves towards (§6); nil for `accepted`, which leaves trust unchanged.
    public var target: Double? {
        switch self {
        case .completed: return 1.0
        case .rejected: return 0.25
        case .failed: return 0.0
        case .accepted: return nil
        }
    }
}

/// The EWMA trust update of §6: `trust ← clamp((1 − α)·trust + α·target, 0, 1)`.
public struct TrustModel: Sendable, Equatable {
    /// `POOLHUB_TRUST_ALPHA`'s default.
    public static let defaultAlpha = 0.1
    /// A new miner's trust (the column default).
    public static let initialTrust = 0.5

    /// The smoothing factor, in (0, 1].
    public let alpha: Double

    /// A model with smoothing factor `alpha`.
    /// - Throws: `PoolHubError.invalidTrustAlpha` unless `alpha` is finite and in (0, 1].
    public init(alpha: Double = TrustModel.defaultAlpha) throws(PoolHubError) {
        guard alpha.isFinite, alpha > 0, alpha <= 1 else { throw .invalidTrustAlpha }
        self.alpha = alpha
    }

    /// `trust` after one outcome.
    public func updated(_ trust: Double, outcome: FeedbackOutcome) -> Double {
        let current = Self.clamp(trust)
        guard let target = outcome.target else { return current }
        return Self.clamp((1 - alpha) * current + alpha * target)
    }

    /// `value` clamped to [0, 1]; NaN (never produced here, but a store could hold one) becomes 0.5.
    public static func clamp(_ value: Double) -> Double {
        guard !value.isNaN else { return initialTrust }
        return min(max(value, 0), 1)
    }
}
