import PoolHub

extension MinerID {
    /// An id known to be valid (test-only).
    static func make(_ text: String) -> MinerID {
        do { return try MinerID(text) } catch { preconditionFailure("fixture id \(text): \(error)") }
    }
}

extension MinerProfile {
    /// The reference's test miner (VRAM 16, price 0.8, max_parallel 4) unless told otherwise.
    static func make(
        _ id: String = "miner-1", addr: String? = "http://127.0.0.1:9000", proto: String? = "http", vram: Double? = 16, ram: Double? = 32,
        maxParallel: Int? = 4, price: Double? = 0.8, tags: [String: String] = [:], capabilities: [String] = ["cuda"], region: String? = nil
    ) -> MinerProfile {
        do {
            return try MinerProfile(
                minerID: .make(id), addr: addr, proto: proto, gpuVRAMGB: vram, gpuName: "RTX", cpuCores: 8, ramGB: ram, maxParallel: maxParallel,
                basePrice: price, tags: tags, capabilities: capabilities, region: region)
        } catch {
            preconditionFailure("fixture profile \(id): \(error)")
        }
    }
}

extension MinerStatus {
    static func make(queue: Int = 0, busy: Bool = false, latency: Int? = nil, at time: HubTime = HubTime(seconds: 0)) -> MinerStatus {
        do { return try MinerStatus(queueLen: queue, busy: busy, avgLatencyMS: latency, updatedAt: time) } catch {
            preconditionFailure("fixture status: \(error)")
        }
    }
}

extension MatchRequest {
    static func make(
        vram: Double = 0, ram: Double = 0, caps: [String] = [], tags: [String] = [], accel: [String] = [], region: String? = nil,
        maxPrice: Double? = nil, topK: Int = 50
    ) -> MatchRequest {
        do {
            return try MatchRequest(
                minVRAMGB: vram, minRAMGB: ram, capabilitiesAny: caps, tagsAny: tags, accel: accel, region: region, maxPrice: maxPrice, topK: topK)
        } catch {
            preconditionFailure("fixture request: \(error)")
        }
    }
}

/// An index on a manual clock, with a miner per profile registered at the clock's start.
func makeIndex(_ profiles: [MinerProfile] = []) -> (MinerIndex, ManualHubClock) {
    let clock = ManualHubClock()
    let index = MinerIndex(clock: clock)
    for profile in profiles { index.register(profile) }
    return (index, clock)
}
