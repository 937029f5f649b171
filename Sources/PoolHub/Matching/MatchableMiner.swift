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
        hot = HotMiner(
            present: true, leaseExpiresAtMS: leaseExpiresAt.milliseconds, busy: busy, queueLen: queueLen, maxParallel: maxParallel,
            vramGB: vramGB, ramGB: ramGB, price: price, latencyMS: latencyMS ?? -1, trust: record.trustScore,
            capabilityMask: capabilities.mask, tagKeyMask: tagKeys.mask, hasRegion: region != nil, regionHash: region?.hashValue ?? 0)
    }

    /// The fields the filters and the v2 score read, copied into the chunk's contiguous array.
    let hot: HotMiner

    var minerID: MinerID { record.profile.minerID }
}

/// What the filters and the `v2` score read of one miner, as plain values stored contiguously per
/// chunk: a match over 10,000 miners then scans ~1 MB of sequential memory instead of chasing a
/// pointer to every miner object (which cache misses made the cost of the scan when measured), and
/// dereferences a miner only for an exact name check the Bloom masks cannot settle or for a result.
struct HotMiner: Sendable {
    static let empty = HotMiner(
        present: false, leaseExpiresAtMS: .min, busy: true, queueLen: 0, maxParallel: 0, vramGB: 0, ramGB: 0, price: 0, latencyMS: -1,
        trust: 0, capabilityMask: 0, tagKeyMask: 0, hasRegion: false, regionHash: 0)

    var present: Bool
    var leaseExpiresAtMS: Int64
    var busy: Bool
    var queueLen: Int
    var maxParallel: Int
    var vramGB: Double
    var ramGB: Double
    var price: Double
    /// −1 when unknown.
    var latencyMS: Int
    var trust: Double
    var capabilityMask: UInt64
    var tagKeyMask: UInt64
    var hasRegion: Bool
    var regionHash: Int
}
