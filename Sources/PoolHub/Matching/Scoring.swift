/// Which score a match uses (`POOLHUB_SCORING`, §5.3): `v2` by default, `legacy` for the reference's §5.2.
public enum Scoring: String, Sendable, CaseIterable {
    case v2
    case legacy
}

/// The reference's score (§5.2), kept bit for bit including its quirks: capability fit is a
/// constant 1, price is normalised against 1.0, latency is ignored, trust has no upper clamp, and
/// nothing depends on the request. The terms are added in the reference's order.
public enum LegacyScorer {
    public static func score(_ record: MinerRecord, weights: ScoreWeights) -> Double {
        let price = record.profile.basePrice ?? 0
        let priceFactor = price <= 0 ? 1.0 : min(1.0, 1.0 / price)
        let loadFactor: Double
        if let status = record.status, let maxParallel = record.profile.maxParallel, maxParallel != 0 {
            loadFactor = 1 - min(Double(status.queueLen) / Double(max(maxParallel, 1)), 1.0)
        } else {
            loadFactor = 1.0
        }
        let trustFactor = max(record.trustScore, 0.0)
        return weights.capability * 1.0 + weights.price * priceFactor + weights.load * loadFactor + weights.trust * trustFactor
    }

    /// `score=0.725 load=0 latency=120` (§4.1): `None` for a status without latency, `n/a` without status.
    public static func explain(_ record: MinerRecord, score: Double) -> String {
        let latency: String
        if let status = record.status {
            latency = status.avgLatencyMS.map { String($0) } ?? "None"
        } else {
            latency = "n/a"
        }
        return "score=\(FixedDecimal.format(score, places: 3)) load=\(record.status?.queueLen ?? 0) latency=\(latency)"
    }
}

/// The `v2` score of §5.3.
public enum V2Scorer {
    /// The components for `record` under `request`, where `fastestLatencyMS` is the lowest known
    /// `avg_latency_ms` among the miners eligible for the same request (nil when none is known).
    public static func components(for record: MinerRecord, request: MatchRequest, fastestLatencyMS: Int?) -> ScoreComponents {
        var wanted = Set<String>()
        var present = 0
        for capability in request.capabilitiesAny {
            if wanted.insert(capability).inserted && record.profile.capabilities.contains(capability) { present += 1 }
        }
        return components(
            capabilityMatches: present, requested: wanted.count, price: record.profile.basePrice ?? 0, maxPrice: request.maxPrice,
            latencyMS: record.status?.avgLatencyMS, fastestLatencyMS: fastestLatencyMS, trust: record.trustScore,
            queueLen: record.status?.queueLen ?? 0, maxParallel: record.profile.maxParallel ?? 1)
    }

    static func components(
        capabilityMatches: Int, requested: Int, price: Double, maxPrice: Double?, latencyMS: Int?, fastestLatencyMS: Int?, trust: Double,
        queueLen: Int, maxParallel: Int
    ) -> ScoreComponents {
        let capability = requested == 0 ? 1.0 : Double(capabilityMatches) / Double(requested)
        let priceNorm: Double
        if price <= 0 {
            priceNorm = 1
        } else if let maxPrice, maxPrice > 0 {
            priceNorm = 1 - price / maxPrice
        } else {
            priceNorm = min(1, 1 / price)
        }
        let latency: Double
        if let latencyMS {
            if latencyMS == 0 {
                latency = 1
            } else {
                // Known latency implies a known fastest (this miner is among the eligible); the
                // fallback keeps a caller passing nil from dividing into nonsense.
                latency = Double(fastestLatencyMS ?? latencyMS) / Double(latencyMS)
            }
        } else {
            latency = 0.5
        }
        let load = maxParallel > 0 ? 1 - Double(queueLen) / Double(maxParallel) : 0
        return ScoreComponents(capability: capability, price: priceNorm, latency: latency, trust: trust, load: load)
    }
}
