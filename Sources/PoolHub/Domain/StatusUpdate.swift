public import JSON

/// One update to a miner's status, from `/v1/miners/update` or a heartbeat frame (§4.2): absent
/// fields keep their current value, so a frame carrying only `queue_len` does not forget latency.
public struct StatusUpdate: Sendable, Equatable {
    public var queueLen: Int?
    public var busy: Bool?
    public var avgLatencyMS: Int?
    public var tempC: Int?
    public var memFreeGB: Double?
    /// A new price (update route only).
    public var basePrice: Double?

    /// A validated update.
    /// - Throws: `PoolHubError` naming the first field out of range or not finite.
    public init(
        queueLen: Int? = nil, busy: Bool? = nil, avgLatencyMS: Int? = nil, tempC: Int? = nil, memFreeGB: Double? = nil,
        basePrice: Double? = nil
    ) throws(PoolHubError) {
        self.queueLen = try Validate.optionalInteger(queueLen, field: "queue_len", range: MinerStatus.countRange)
        self.busy = busy
        self.avgLatencyMS = try Validate.optionalInteger(avgLatencyMS, field: "avg_latency_ms", range: MinerStatus.countRange)
        self.tempC = try Validate.optionalInteger(tempC, field: "temp_c", range: MinerStatus.temperatureRange)
        self.memFreeGB = try Validate.optionalNumber(memFreeGB, field: "mem_free_gb")
        self.basePrice = try Validate.optionalNumber(basePrice, field: "base_price")
    }

    /// Reads an update body or heartbeat frame; other members (`session_token`, `ts`, `current_jobs`) are the route's.
    /// - Throws: `PoolHubError` naming the first invalid field.
    public init(json: JSONValue) throws(PoolHubError) {
        let body = try FieldReader(json, field: "body")
        try self.init(
            queueLen: body.integer("queue_len", range: MinerStatus.countRange),
            busy: body.bool("busy"),
            avgLatencyMS: body.integer("avg_latency_ms", range: MinerStatus.countRange),
            tempC: body.integer("temp_c", range: MinerStatus.temperatureRange),
            memFreeGB: body.number("mem_free_gb"),
            basePrice: body.number("base_price", "price_token_per_ksec"))
    }

    /// `status` (or a fresh one) with this update's fields applied, stamped `now`.
    public func applied(to status: MinerStatus?, now: HubTime) -> MinerStatus {
        var result = status ?? MinerStatus.idle(at: now)
        if let queueLen { result.queueLen = queueLen }
        if let busy { result.busy = busy }
        if let avgLatencyMS { result.avgLatencyMS = avgLatencyMS }
        if let tempC { result.tempC = tempC }
        if let memFreeGB { result.memFreeGB = memFreeGB }
        result.updatedAt = now
        return result
    }
}

extension MinerStatus {
    /// An empty queue, not busy, nothing measured: the table's defaults.
    static func idle(at time: HubTime) -> MinerStatus {
        // Direct construction: the defaults are in range, so no validation can fail.
        MinerStatus(unchecked: 0, busy: false, updatedAt: time)
    }

    private init(unchecked queueLen: Int, busy: Bool, updatedAt: HubTime) {
        self.queueLen = queueLen
        self.busy = busy
        self.avgLatencyMS = nil
        self.tempC = nil
        self.memFreeGB = nil
        self.updatedAt = updatedAt
    }
}
