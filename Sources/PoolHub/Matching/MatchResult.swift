/// One miner a match returned, with the values its score came from (§10.3: all from one version).
public struct MatchCandidate: Sendable, Equatable {
    /// The miner as the snapshot held it: profile, status and trust the score used.
    public let record: MinerRecord
    public let score: Double
    /// The `v2` components; nil under `legacy` scoring.
    public let components: ScoreComponents?
    /// `cap=… price=… latency=… trust=… load=…` (v2) or `score=… load=… latency=…` (legacy).
    public let explain: String

    /// A candidate as given (matching builds them; stores and tests rebuild them).
    public init(record: MinerRecord, score: Double, components: ScoreComponents?, explain: String) {
        self.record = record
        self.score = score
        self.components = components
        self.explain = explain
    }

    public var minerID: MinerID { record.profile.minerID }
    public var addr: String? { record.profile.addr }
    public var proto: String? { record.profile.proto }
    /// `eta_ms` = `avg_latency_ms` (§4.1).
    public var etaMS: Int? { record.status?.avgLatencyMS }
    /// `price` = `base_price` (§4.1).
    public var price: Double? { record.profile.basePrice }

    /// The ranking of §5.3: score descending, then price ascending (null as 0), then miner id ascending.
    public static func ranksBefore(_ lhs: MatchCandidate, _ rhs: MatchCandidate) -> Bool {
        Ranking.isBetter(
            score: lhs.score, price: lhs.record.profile.basePrice ?? 0, id: lhs.minerID,
            than: rhs.score, price: rhs.record.profile.basePrice ?? 0, id: rhs.minerID)
    }
}

/// A match's answer and what the metrics of §8 need.
public struct MatchResult: Sendable, Equatable {
    /// At most `top_k`, best first.
    public let candidates: [MatchCandidate]
    /// Miners in the snapshot (live or not) before filtering.
    public let considered: Int
    /// Miners that passed every filter; `considered − eligible == rejections.total`.
    public let eligible: Int
    public let rejections: RejectionCounts
    /// The lowest known latency among eligible miners: the base of `latency_norm`.
    public let fastestLatencyMS: Int?
    /// The instant liveness was judged at.
    public let evaluatedAt: HubTime

    /// The top-level `explain` (§5.3): the first candidate's.
    public var explain: String? { candidates.first?.explain }
}

enum Ranking {
    static func isBetter(score: Double, price: Double, id: MinerID, than otherScore: Double, price otherPrice: Double, id otherID: MinerID)
        -> Bool
    {
        if score != otherScore { return score > otherScore }
        if price != otherPrice { return price < otherPrice }
        return id < otherID
    }
}
