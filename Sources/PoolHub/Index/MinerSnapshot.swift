/// A fixed-size block of index slots. Immutable: a write replaces the whole chunk, so a reader
/// holding the old one keeps seeing the old versions.
final class Chunk: Sendable {
    let slots: [MatchableMiner?]
    /// `slots[i]?.hot`, contiguous (`HotMiner.empty` for a free slot).
    let hot: [HotMiner]

    init(slots: [MatchableMiner?]) {
        self.slots = slots
        self.hot = slots.map { $0?.hot ?? .empty }
    }
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
        let nowMS = now.milliseconds
        var rejections = RejectionCounts()
        var eligible: [(chunk: Int, slot: Int, capabilityMatches: Int)] = []
        eligible.reserveCapacity(count)
        var considered = 0
        var fastest: Int?
        for (chunkIndex, chunk) in chunks.enumerated() {
            chunk.hot.withUnsafeBufferPointer { hot in
                for slot in hot.indices where hot[slot].present {
                    considered += 1
                    switch MatchFilter.evaluate(hot[slot], chunk, slot, prepared, nowMS: nowMS) {
                    case .rejected(let reason):
                        rejections[reason] += 1
                    case .eligible(let capabilityMatches):
                        eligible.append((chunkIndex, slot, capabilityMatches))
                        let latency = hot[slot].latencyMS
                        if latency >= 0, latency < (fastest ?? .max) { fastest = latency }
                    }
                }
            }
        }

        typealias Scored = (chunk: Int, slot: Int, score: Double, price: Double, components: ScoreComponents?)
        let chunks = self.chunks
        func id(_ scored: Scored) -> MinerID? { chunks[scored.chunk].slots[scored.slot]?.minerID }
        var best = TopK<Scored>(capacity: request.topK) { lhs, rhs in
            if lhs.score != rhs.score { return lhs.score > rhs.score }
            if lhs.price != rhs.price { return lhs.price < rhs.price }
            // Only ties reach the miner objects.
            guard let left = id(lhs), let right = id(rhs) else { return false }
            return left < right
        }
        let requested = prepared.capabilitiesAny.count
        for (chunkIndex, slot, capabilityMatches) in eligible {
            let hot = chunks[chunkIndex].hot[slot]
            switch scoring {
            case .v2:
                let components = V2Scorer.components(
                    capabilityMatches: capabilityMatches, requested: requested, price: hot.price, maxPrice: request.maxPrice,
                    latencyMS: hot.latencyMS >= 0 ? hot.latencyMS : nil, fastestLatencyMS: fastest, trust: hot.trust, queueLen: hot.queueLen,
                    maxParallel: hot.maxParallel)
                best.insert((chunkIndex, slot, components.score(weights), hot.price, components))
            case .legacy:
                // Legacy reads null-versus-0 distinctions the compact fields drop; it is the compatibility path.
                guard let miner = chunks[chunkIndex].slots[slot] else { continue }
                best.insert((chunkIndex, slot, LegacyScorer.score(miner.record, weights: weights), hot.price, nil))
            }
        }
        let candidates = best.sorted().compactMap { scored -> MatchCandidate? in
            guard let record = chunks[scored.chunk].slots[scored.slot]?.record else { return nil }
            return MatchCandidate(
                record: record, score: scored.score, components: scored.components,
                explain: scored.components?.explain ?? LegacyScorer.explain(record, score: scored.score))
        }
        return MatchResult(
            candidates: candidates, considered: considered, eligible: eligible.count, rejections: rejections, fastestLatencyMS: fastest,
            evaluatedAt: now)
    }
}
