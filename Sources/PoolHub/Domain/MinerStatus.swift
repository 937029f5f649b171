/// A miner's reported load (spec §3.1 `miner_status`): updated by `/v1/miners/update` and every
/// heartbeat frame.
public struct MinerStatus: Sendable, Equatable {
    /// `queue_len`, `avg_latency_ms`: SQL `int` columns, ≥ 0.
    public static let countRange: ClosedRange<Int> = 0...Int(Int32.max)
    /// `temp_c` may be below zero (sensors in cold rooms); it is informational only.
    public static let temperatureRange: ClosedRange<Int> = -273...Int(Int32.max)

    public var queueLen: Int
    public var busy: Bool
    /// Average job latency; unknown scores 0.5 on latency (§5.3).
    public var avgLatencyMS: Int?
    public var tempC: Int?
    public var memFreeGB: Double?
    public var updatedAt: HubTime

    /// A validated status.
    /// - Throws: `PoolHubError` naming the first field out of range or not finite.
    public init(
        queueLen: Int = 0, busy: Bool = false, avgLatencyMS: Int? = nil, tempC: Int? = nil, memFreeGB: Double? = nil,
        updatedAt: HubTime
    ) throws(PoolHubError) {
        self.queueLen = try Validate.integer(queueLen, field: "queue_len", range: Self.countRange)
        self.busy = busy
        self.avgLatencyMS = try Validate.optionalInteger(avgLatencyMS, field: "avg_latency_ms", range: Self.countRange)
        self.tempC = try Validate.optionalInteger(tempC, field: "temp_c", range: Self.temperatureRange)
        self.memFreeGB = try Validate.optionalNumber(memFreeGB, field: "mem_free_gb")
        self.updatedAt = updatedAt
    }
}
