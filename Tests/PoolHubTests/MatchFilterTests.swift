import PoolHub
import Testing

/// Each hard filter of §5.3 and the reason it reports (§8 labels).
@Suite struct MatchFilterTests {
    static let now = HubTime(seconds: 1000)
    static let lease = HubTime(seconds: 1030)

    func rejection(_ profile: MinerProfile, status: MinerStatus? = .make(), _ request: MatchRequest, now: HubTime = now) -> RejectionReason? {
        let record = MinerRecord(profile: profile, status: status, lastContact: HubTime(seconds: 970))
        return MatchFilter.rejection(of: record, for: request, now: now, leaseExpiresAt: Self.lease)
    }

    @Test func referenceMinerPassesAnEmptyRequest() {
        #expect(rejection(.make(), .make()) == nil)
        #expect(rejection(.make(), status: nil, .make()) == nil)
    }

    @Test func stale() {
        #expect(rejection(.make(), .make(), now: Self.lease) == .stale)
        #expect(rejection(.make(), .make(), now: HubTime(milliseconds: Self.lease.milliseconds - 1)) == nil)
    }

    @Test func capacity() {
        #expect(rejection(.make(maxParallel: 4), status: .make(queue: 4), .make()) == .capacity)
        #expect(rejection(.make(maxParallel: 4), status: .make(queue: 3), .make()) == nil)
        #expect(rejection(.make(), status: .make(busy: true), .make()) == .capacity)
        #expect(rejection(.make(maxParallel: 0), .make()) == .capacity)
        // No max_parallel: one job at a time.
        #expect(rejection(.make(maxParallel: nil), status: .make(queue: 0), .make()) == nil)
        #expect(rejection(.make(maxParallel: nil), status: .make(queue: 1), .make()) == .capacity)
    }

    @Test func vramAndRAMCountNullAsZero() {
        #expect(rejection(.make(vram: 8), .make(vram: 16)) == .vram)
        #expect(rejection(.make(vram: 16), .make(vram: 16)) == nil)
        #expect(rejection(.make(vram: nil), .make(vram: 1)) == .vram)
        #expect(rejection(.make(vram: 0), .make(vram: 1)) == .vram)
        #expect(rejection(.make(ram: 8), .make(ram: 8.5)) == .ram)
        #expect(rejection(.make(ram: nil), .make(ram: 1)) == .ram)
        #expect(rejection(.make(ram: nil), .make(ram: 0)) == nil)
    }

    @Test func accelNeedsEveryNameAsCapabilityOrTagKey() {
        let miner = MinerProfile.make(tags: ["tensorrt": "8"], capabilities: ["cuda"])
        #expect(rejection(miner, .make(accel: ["cuda", "tensorrt"])) == nil)
        #expect(rejection(miner, .make(accel: ["cuda", "rocm"])) == .accel)
        // A tag's value is not a key.
        #expect(rejection(miner, .make(accel: ["8"])) == .accel)
    }

    @Test func capabilitiesAnyMeansAny() {
        let miner = MinerProfile.make(capabilities: ["cuda", "llm"])
        #expect(rejection(miner, .make(caps: ["llm", "sd"])) == nil)
        #expect(rejection(miner, .make(caps: ["sd", "whisper"])) == .caps)
        #expect(rejection(.make(capabilities: []), .make(caps: ["cuda"])) == .caps)
    }

    @Test func tagsAnyMatchesKeys() {
        let miner = MinerProfile.make(tags: ["fast": "", "zone": "a"])
        #expect(rejection(miner, .make(tags: ["zone", "x"])) == nil)
        #expect(rejection(miner, .make(tags: ["a"])) == .tags)
    }

    @Test func priceAtMostMaxPrice() {
        #expect(rejection(.make(price: 0.8), .make(maxPrice: 0.5)) == .price)
        #expect(rejection(.make(price: 0.8), .make(maxPrice: 0.8)) == nil)
        #expect(rejection(.make(price: nil), .make(maxPrice: 0)) == nil)
    }

    @Test func regionMustEqualAndRegionlessFails() {
        #expect(rejection(.make(region: "eu"), .make(region: "eu")) == nil)
        #expect(rejection(.make(region: "us"), .make(region: "eu")) == .region)
        #expect(rejection(.make(region: nil), .make(region: "eu")) == .region)
        #expect(rejection(.make(region: nil), .make()) == nil)
    }

    @Test func firstFailingFilterNamesTheRejection() {
        // Fails capacity, vram and region: capacity is checked first.
        #expect(rejection(.make(vram: 1, region: "us"), status: .make(queue: 9), .make(vram: 8, region: "eu")) == .capacity)
        #expect(RejectionReason.allCases.map(\.rawValue) == ["stale", "capacity", "vram", "ram", "accel", "caps", "tags", "price", "region"])
    }
}
