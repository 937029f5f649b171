/// A fixed-size block of index slots. Immutable: a write replaces the whole chunk, so a reader
/// holding the old one keeps seeing the old versions.
final class Chunk: Sendable {
    let slots: [MatchableMiner?]

    init(slots: [MatchableMiner?]) { self.slots = slots }
}

/// One consistent view of the index: what it held at one instant. Matching over a snapshot reads
/// no lock and sees no later write, so every candidate's values and score come from the same
/// version of that miner (§10.3), and the same snapshot and request always give the same answer (§10.2).
public struct MinerSnapshot: Sendable {
    let chunks: [Chunk]
    /// Miners in the snapshot, live or not.
    public let count: Int

    /// Every record, in no particular order.
    public var records: [MinerRecord] {
        var result: [MinerRecord] = []
        result.reserveCapacity(count)
        forEachMiner { result.append($0.record) }
        return result
    }

    /// The record and lease end of `id`, if present (a linear scan; for tests and admin reads).
    public func record(_ id: MinerID) -> (record: MinerRecord, leaseExpiresAt: HubTime)? {
        for chunk in chunks {
            for case let miner? in chunk.slots where miner.minerID == id { return (miner.record, miner.leaseExpiresAt) }
        }
        return nil
    }

    /// Miners whose lease has not expired at `now` (the `miners_online` gauge, §10.11).
    public func onlineCount(at now: HubTime) -> Int {
        var online = 0
        forEachMiner { if now < $0.leaseExpiresAt { online += 1 } }
        return online
    }

    func forEachMiner(_ body: (MatchableMiner) -> Void) {
        for chunk in chunks {
            for case let miner? in chunk.slots { body(miner) }
        }
    }
}

extension MinerSnapshot {
    /// Filters every miner (§5.3), scores the eligible ones and keeps the best `top_k` by a bounded
    /// heap. Liveness is judged at `now`.
    public func match(_ request: MatchRequest, scoring: Scoring = .v2, weights: ScoreWeights = .defaults, now: HubTime) -> MatchResult {
        let prepared = PreparedRequest(request)
        var rejections = RejectionCounts()
        var eligible: [(miner: MatchableMiner, capabilityMatches: Int)] = []
        eligible.reserveCapacity(count)
        var considered = 0
        var fastest: Int?
        for chunk in chunks {
            for case let miner? in chunk.slots {
                considered += 1
                switch MatchFilter.evaluate(miner, prepared, now: now) {
                case .rejected(let reason):
                    rejections[reason] += 1
                case .eligible(let capabilityMatches):
                    eligible.append((miner, capabilityMatches))
                    if let latency = miner.latencyMS, latency < (fastest ?? .max) { fastest = latency }
                }
            }
        }

        typealias Scored = (miner: MatchableMiner, score: Double, components: ScoreComponents?)
        var best = TopK<Scored>(capacity: request.topK) { lhs, rhs in
            Ranking.isBetter(score: lhs.score, price: lhs.miner.price, id: lhs.miner.minerID, than: rhs.score, price: rhs.miner.price, id: rhs.miner.minerID)
        }
        let requested = prepared.capabilitiesAny.count
        for (miner, capabilityMatches) in eligible {
            switch scoring {
            case .v2:
                let components = V2Scorer.components(
                    capabilityMatches: capabilityMatches, requested: requested, price: miner.price, maxPrice: request.maxPrice,
                    latencyMS: miner.latencyMS, fastestLatencyMS: fastest, trust: miner.record.trustScore, queueLen: miner.queueLen,
                    maxParallel: miner.maxParallel)
                best.insert((miner, components.score(weights), components))
            case .legacy:
                best.insert((miner, LegacyScorer.score(miner.record, weights: weights), nil))
            }
        }
        let candidates = best.sorted().map { scored in
            MatchCandidate(
                record: scored.miner.record, score: scored.score, components: scored.components,
                explain: scored.components?.explain ?? LegacyScorer.explain(scored.miner.record, score: scored.score))
        }
        return MatchResult(
            candidates: candidates, considered: considered, eligible: eligible.count, rejections: rejections, fastestLatencyMS: fastest,
            evaluatedAt: now)
    }
}
