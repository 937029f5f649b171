/// One immutable version of a miner as matching reads it: the record, plus the values the filters
/// and scorers use precomputed when it is stored, so a match does no per-miner allocation or
/// string hashing. Immutable and shared by reference between index snapshots.
final class MatchableMiner: Sendable {
    let record: MinerRecord
    let leaseExpiresAt: HubTime
    let capabilities: SymbolSet
    let tagKeys: SymbolSet
    /// VRAM and RAM, null counted as 0 (§5.3).
    let vramGB: Double
    let ramGB: Double
    /// Price, null counted as 0.
    let price: Double
    /// `max_parallel`, null counted as 1 (one job at a time) so the capacity check and `load_norm` have a bound.
    let maxParallel: Int
    let queueLen: Int
    let busy: Bool
    let latencyMS: Int?
    let region: String?

    init(_ record: MinerRecord, leaseExpiresAt: HubTime) {
        self.record = record
        self.leaseExpiresAt = leaseExpiresAt
        let profile = record.profile
        capabilities = SymbolSet(profile.capabilities)
        tagKeys = SymbolSet(profile.tags.keys.sorted())
        vramGB = profile.gpuVRAMGB ?? 0
        ramGB = profile.ramGB ?? 0
        price = profile.basePrice ?? 0
        maxParallel = profile.maxParallel ?? 1
        queueLen = record.status?.queueLen ?? 0
        busy = record.status?.busy ?? false
        latencyMS = record.status?.avgLatencyMS
        region = profile.region
    }

    var minerID: MinerID { record.profile.minerID }
}
