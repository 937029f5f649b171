import PoolHub
import TestSupport
import Testing

/// The bounded-heap top-K equals filtering, scoring and fully sorting every miner (§10.1, §10.2),
/// on random registries with many ties. Seeds are fixed so a failure reproduces.
@Suite struct TopKPropertyTests {
    /// The answer by brute force from the public filter and scorers.
    static func bruteForce(_ snapshot: MinerSnapshot, _ request: MatchRequest, scoring: Scoring, weights: ScoreWeights, now: HubTime)
        -> (candidates: [MatchCandidate], rejections: RejectionCounts)
    {
        var rejections = RejectionCounts()
        var eligible: [MinerRecord] = []
        for record in snapshot.records {
            let lease = snapshot.record(record.minerID)?.leaseExpiresAt ?? now
            if let reason = MatchFilter.rejection(of: record, for: request, now: now, leaseExpiresAt: lease) {
                rejections[reason] += 1
            } else {
                eligible.append(record)
            }
        }
        let fastest = eligible.compactMap { $0.status?.avgLatencyMS }.min()
        let all = eligible.map { record in
            switch scoring {
            case .v2:
                let components = V2Scorer.components(for: record, request: request, fastestLatencyMS: fastest)
                return MatchCandidate(record: record, score: components.score(weights), components: components, explain: components.explain)
            case .legacy:
                let score = LegacyScorer.score(record, weights: weights)
                return MatchCandidate(record: record, score: score, components: nil, explain: LegacyScorer.explain(record, score: score))
            }
        }
        return (Array(all.sorted(by: MatchCandidate.ranksBefore).prefix(request.topK)), rejections)
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func heapMatchesFullSort(seed: UInt64) throws {
        var generator = SeededGenerator(state: seed)
        let count = Int.random(in: 1...700, using: &generator)
        let (index, clock) = makeIndex((0..<count).map { RandomMiners.profile($0, using: &generator) })
        for number in 0..<count where Bool.random(using: &generator) {
            clock.advance(milliseconds: 100)
            try index.update(.make("m\(number)"), RandomMiners.status(using: &generator))
            if Int.random(in: 0..<4, using: &generator) == 0 {
                try index.setTrustScore(.make("m\(number)"), [0, 0.25, 0.5, 1].randomElement(using: &generator) ?? 0.5)
            }
        }
        clock.advance(seconds: 30)  // some early registrants are stale now
        let snapshot = index.snapshot()
        let weights = try [ScoreWeights.defaults, ScoreWeights(parsing: "cap:0,price:1,latency:0,trust:0,load:0")]
        for request in RandomMiners.requests {
            for scoring in Scoring.allCases {
                for weight in weights {
                    let result = snapshot.match(request, scoring: scoring, weights: weight, now: clock.now())
                    let expected = Self.bruteForce(snapshot, request, scoring: scoring, weights: weight, now: clock.now())
                    #expect(result.candidates == expected.candidates, "seed \(seed) \(request) \(scoring)")
                    #expect(result.rejections == expected.rejections)
                }
            }
        }
    }
}
