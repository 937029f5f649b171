import PoolHub
import Testing

/// `legacy` (§5.2, bit for bit) and `v2` (§5.3, per component) vectors, and explain strings.
@Suite struct ScoringTests {
    func record(_ profile: MinerProfile = .make(), status: MinerStatus? = .make(), trust: Double = 0.5) -> MinerRecord {
        MinerRecord(profile: profile, status: status, trustScore: trust, lastContact: HubTime(seconds: 0))
    }

    /// The reference's test miner: VRAM 16, price 0.8, max_parallel 4, queue 0, trust 0.5. The
    /// expected doubles are what Python computes (`0.4*1.0 + 0.2*1.0 + 0.05*1.0 + 0.15*0.5`).
    @Test func legacyReferenceVector() {
        let score = LegacyScorer.score(record(), weights: .defaults)
        #expect(score == 0.7250000000000001)
        #expect(LegacyScorer.explain(record(), score: score) == "score=0.725 load=0 latency=None")
    }

    @Test func legacyVectors() throws {
        // price 2 → 0.5, queue 2 of 4 → 0.5, trust 0.8.
        let busy = record(.make(price: 2), status: .make(queue: 2, latency: 120), trust: 0.8)
        #expect(LegacyScorer.score(busy, weights: .defaults) == 0.645)
        #expect(LegacyScorer.explain(busy, score: 0.645) == "score=0.645 load=2 latency=120")
        // Price ≤ 0 → 1; no status row → load 1 and latency n/a; trust 0.
        let free = record(.make(price: 0), status: nil, trust: 0)
        #expect(LegacyScorer.score(free, weights: .defaults) == 0.6500000000000001)
        #expect(LegacyScorer.explain(free, score: 0.6500000000000001) == "score=0.650 load=0 latency=n/a")
        // max_parallel missing → load 1 whatever the queue; queue over max_parallel → load 0 (min(…, 1)).
        let unbounded = record(.make(maxParallel: nil, price: 1), status: .make(queue: 7))
        let over = record(.make(maxParallel: 2, price: 1), status: .make(queue: 7))
        #expect(LegacyScorer.score(unbounded, weights: .defaults) == LegacyScorer.score(record(.make(price: 1)), weights: .defaults))
        #expect(LegacyScorer.score(over, weights: .defaults) == 0.4 * 1.0 + 0.2 * 1.0 + 0.05 * 0.0 + 0.15 * 0.5)
        // Latency weight is never used.
        let weights = try ScoreWeights(latency: 5)
        #expect(LegacyScorer.score(record(), weights: weights) == 0.7250000000000001)
    }

    @Test func v2Capability() throws {
        let miner = record(.make(capabilities: ["cuda", "llm"]))
        #expect(V2Scorer.components(for: miner, request: .make(caps: ["cuda", "sd"]), fastestLatencyMS: nil).capability == 0.5)
        #expect(V2Scorer.components(for: miner, request: .make(caps: ["cuda", "cuda", "llm"]), fastestLatencyMS: nil).capability == 1)
        #expect(V2Scorer.components(for: miner, request: .make(), fastestLatencyMS: nil).capability == 1)
    }

    @Test func v2Price() {
        func price(_ value: Double?, max: Double?) -> Double {
            V2Scorer.components(for: record(.make(price: value)), request: .make(maxPrice: max), fastestLatencyMS: nil).price
        }
        #expect(price(0.4, max: 2) == 0.8)
        #expect(price(2, max: 2) == 0)
        #expect(price(0.8, max: nil) == 1)  // min(1, 1/0.8)
        #expect(price(4, max: nil) == 0.25)
        #expect(price(0, max: 2) == 1)
        #expect(price(nil, max: nil) == 1)
        #expect(price(3, max: 2) == 0)  // clamped (the filter would drop it anyway)
    }

    @Test func v2Latency() {
        func latency(_ value: Int?, fastest: Int?) -> Double {
            V2Scorer.components(for: record(status: .make(latency: value)), request: .make(), fastestLatencyMS: fastest).latency
        }
        #expect(latency(200, fastest: 100) == 0.5)
        #expect(latency(100, fastest: 100) == 1)
        #expect(latency(nil, fastest: 100) == 0.5)
        #expect(latency(0, fastest: 0) == 1)
        #expect(latency(50, fastest: 0) == 0)
        #expect(V2Scorer.components(for: record(status: nil), request: .make(), fastestLatencyMS: 10).latency == 0.5)
    }

    @Test func v2TrustAndLoad() {
        let components = V2Scorer.components(for: record(.make(maxParallel: 4), status: .make(queue: 1), trust: 0.7), request: .make(), fastestLatencyMS: nil)
        #expect(components.trust == 0.7)
        #expect(components.load == 0.75)
        #expect(V2Scorer.components(for: record(.make(maxParallel: nil), status: nil), request: .make(), fastestLatencyMS: nil).load == 1)
    }

    @Test func v2ScoreAndExplain() throws {
        let miner = record(.make(price: 0.4, capabilities: ["cuda"]), status: .make(latency: 100), trust: 0.7)
        let components = V2Scorer.components(for: miner, request: .make(caps: ["cuda"], maxPrice: 2), fastestLatencyMS: 90)
        #expect(components == ScoreComponents(capability: 1, price: 0.8, latency: 0.9, trust: 0.7, load: 1))
        #expect(components.explain == "cap=1.00 price=0.80 latency=0.90 trust=0.70 load=1.00")
        #expect(components.score(.defaults) == 0.40 * 1 + 0.20 * 0.8 + 0.20 * 0.9 + 0.15 * 0.7 + 0.05 * 1)
        let mixed = ScoreComponents(capability: 0.5, price: 0.6, latency: 0.5, trust: 0.7, load: 0.75)
        #expect(mixed.score(.defaults) == 0.5625)
        #expect(ScoreComponents(capability: 2, price: -1, latency: .nan, trust: 1, load: 0.125).explain == "cap=1.00 price=0.00 latency=0.00 trust=1.00 load=0.12")
    }
}

/// The EWMA of §6.
@Suite struct TrustModelTests {
    @Test func referenceVector() throws {
        let model = try TrustModel()
        let afterCompleted = model.updated(0.5, outcome: .completed)
        #expect(afterCompleted == 0.55)
        #expect(model.updated(afterCompleted, outcome: .failed) == 0.49500000000000005)  // 0.495 in binary64, as Python gives
        #expect(model.updated(0.5, outcome: .rejected) == 0.47500000000000003)
        #expect(model.updated(0.5, outcome: .accepted) == 0.5)
    }

    @Test func staysInUnitInterval() throws {
        let model = try TrustModel(alpha: 1)
        #expect(model.updated(2, outcome: .accepted) == 1)
        #expect(model.updated(-1, outcome: .completed) == 1)
        #expect(model.updated(0.3, outcome: .failed) == 0)
        var trust = 0.5
        let slow = try TrustModel(alpha: 0.1)
        for step in 0..<1000 {
            trust = slow.updated(trust, outcome: FeedbackOutcome.allCases[step % 4])
            #expect((0...1).contains(trust))
        }
    }

    @Test(arguments: [0.0, -0.1, 1.01, Double.nan, Double.infinity])
    func invalidAlpha(alpha: Double) {
        #expect(throws: PoolHubError.invalidTrustAlpha) { try TrustModel(alpha: alpha) }
    }

    @Test func outcomes() throws {
        #expect(try FeedbackOutcome(parsing: "completed") == .completed)
        #expect(throws: PoolHubError.unknownOutcome) { try FeedbackOutcome(parsing: "Completed") }
        #expect(throws: PoolHubError.unknownOutcome) { try FeedbackOutcome(parsing: "timeout") }
    }
}
