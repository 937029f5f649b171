/// The five `v2` score components of §5.3, each in [0, 1].
public struct ScoreComponents: Sendable, Equatable {
    public var capability: Double
    public var price: Double
    public var latency: Double
    public var trust: Double
    public var load: Double

    /// Components as given, each clamped to [0, 1].
    public init(capability: Double, price: Double, latency: Double, trust: Double, load: Double) {
        self.capability = Self.clamp(capability)
        self.price = Self.clamp(price)
        self.latency = Self.clamp(latency)
        self.trust = Self.clamp(trust)
        self.load = Self.clamp(load)
    }

    /// `Σ wᵢ·componentᵢ`, summed in the order cap, price, latency, trust, load (fixed, so a score
    /// recomputed from the same values is bit-identical).
    public func score(_ weights: ScoreWeights) -> Double {
        weights.capability * capability + weights.price * price + weights.latency * latency + weights.trust * trust
            + weights.load * load
    }

    /// `cap=1.00 price=0.80 latency=0.90 trust=0.70 load=1.00` (§5.3).
    public var explain: String {
        "cap=\(FixedDecimal.format(capability, places: 2)) price=\(FixedDecimal.format(price, places: 2)) "
            + "latency=\(FixedDecimal.format(latency, places: 2)) trust=\(FixedDecimal.format(trust, places: 2)) "
            + "load=\(FixedDecimal.format(load, places: 2))"
    }

    private static func clamp(_ value: Double) -> Double {
        guard !value.isNaN else { return 0 }
        return min(max(value, 0), 1)
    }
}
