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
        let prepared = PreparedRequest(request)
        let miner = MatchableMiner(record, leaseExpiresAt: leaseExpiresAt)
        if case .rejected(let reason) = evaluate(miner, prepared, now: now) { return reason }
        return nil
    }

    enum Outcome {
        /// Passed; `capabilityMatches` of the request's distinct `capabilities_any` are present (for `cap_fit`).
        case eligible(capabilityMatches: Int)
        case rejected(RejectionReason)
    }

    static func evaluate(_ miner: MatchableMiner, _ prepared: PreparedRequest, now: HubTime) -> Outcome {
        let request = prepared.request
        if now >= miner.leaseExpiresAt { return .rejected(.stale) }
        if miner.busy || miner.queueLen >= miner.maxParallel { return .rejected(.capacity) }
        if miner.vramGB < request.minVRAMGB { return .rejected(.vram) }
        if miner.ramGB < request.minRAMGB { return .rejected(.ram) }
        for symbol in prepared.accel where !miner.capabilities.contains(symbol) && !miner.tagKeys.contains(symbol) {
            return .rejected(.accel)
        }
        var capabilityMatches = 0
        for symbol in prepared.capabilitiesAny where miner.capabilities.contains(symbol) { capabilityMatches += 1 }
        if !prepared.capabilitiesAny.isEmpty && capabilityMatches == 0 { return .rejected(.caps) }
        if !prepared.tagsAny.isEmpty && !prepared.tagsAny.contains(where: { miner.tagKeys.contains($0) }) {
            return .rejected(.tags)
        }
        if let maxPrice = request.maxPrice, miner.price > maxPrice { return .rejected(.price) }
        if let region = request.region, miner.region != region { return .rejected(.region) }
        return .eligible(capabilityMatches: capabilityMatches)
    }
}
