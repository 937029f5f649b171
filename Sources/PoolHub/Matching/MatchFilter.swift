/// The hard filters of §5.3, checked in `RejectionReason.allCases` order; the first that fails names
/// the rejection. They fix the reference's filter defects (§9.5): null VRAM/RAM count as 0,
/// `capabilities_any` means "any", a region hint drops region-less miners, busy and full miners are
/// dropped, and `accel`, `tags_any` and `max_price` apply.
public enum MatchFilter {
    /// Why `record` is not eligible for `request` at `now` (its lease ending at `leaseExpiresAt`),
    /// or nil when it passes every filter.
    public static func rejection(
        of record: MinerRecord, for request: MatchRequest, now: HubTime, leaseExpiresAt: HubTime
    ) -> RejectionReason? {
        let chunk = Chunk(slots: [MatchableMiner(record, leaseExpiresAt: leaseExpiresAt)])
        guard let hot = chunk.hot.first else { return nil }
        if case .rejected(let reason) = evaluate(hot, chunk, 0, PreparedRequest(request), nowMS: now.milliseconds) { return reason }
        return nil
    }

    enum Outcome {
        /// Passed; `capabilityMatches` of the request's distinct `capabilities_any` are present (for `cap_fit`).
        case eligible(capabilityMatches: Int)
        case rejected(RejectionReason)
    }

    /// Decides from the compact fields where they suffice; reads `chunk.slots[slot]` only to confirm
    /// a name or region the Bloom masks and hashes cannot rule out.
    static func evaluate(_ hot: HotMiner, _ chunk: Chunk, _ slot: Int, _ prepared: PreparedRequest, nowMS: Int64) -> Outcome {
        let request = prepared.request
        if nowMS >= hot.leaseExpiresAtMS { return .rejected(.stale) }
        if hot.busy || hot.queueLen >= hot.maxParallel { return .rejected(.capacity) }
        if hot.vramGB < request.minVRAMGB { return .rejected(.vram) }
        if hot.ramGB < request.minRAMGB { return .rejected(.ram) }
        // Each name filter: the Bloom mask rules out most misses; a possible hit is confirmed exactly.
        if !prepared.accel.isEmpty {
            if prepared.accelMask & ~(hot.capabilityMask | hot.tagKeyMask) != 0 { return .rejected(.accel) }
            guard let miner = chunk.slots[slot] else { return .rejected(.stale) }
            for symbol in prepared.accel where !miner.capabilities.contains(symbol) && !miner.tagKeys.contains(symbol) {
                return .rejected(.accel)
            }
        }
        var capabilityMatches = 0
        if !prepared.capabilitiesAny.isEmpty {
            if hot.capabilityMask & prepared.capabilitiesMask == 0 { return .rejected(.caps) }
            guard let miner = chunk.slots[slot] else { return .rejected(.stale) }
            for symbol in prepared.capabilitiesAny where miner.capabilities.contains(symbol) { capabilityMatches += 1 }
            if capabilityMatches == 0 { return .rejected(.caps) }
        }
        if !prepared.tagsAny.isEmpty {
            if hot.tagKeyMask & prepared.tagsMask == 0 { return .rejected(.tags) }
            guard let miner = chunk.slots[slot] else { return .rejected(.stale) }
            if !prepared.tagsAny.contains(where: { miner.tagKeys.contains($0) }) { return .rejected(.tags) }
        }
        if let maxPrice = request.maxPrice, hot.price > maxPrice { return .rejected(.price) }
        if let region = request.region {
            guard hot.hasRegion, hot.regionHash == prepared.regionHash, chunk.slots[slot]?.region == region else { return .rejected(.region) }
        }
        return .eligible(capabilityMatches: capabilityMatches)
    }
}
