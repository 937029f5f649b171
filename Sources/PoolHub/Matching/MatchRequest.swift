public import JSON

/// A `POST /v1/match` body (§4.1, filters of §5.3): what the job needs and what the caller prefers.
///
/// Requirement lists are sets: duplicates are harmless. Unknown members (`task`, `deadline_ms`)
/// are ignored, as the reference does.
public struct MatchRequest: Sendable, Equatable {
    /// `top_k`'s range (§4.1); outside it the request is refused (422).
    public static let topKRange: ClosedRange<Int> = 1...50
    /// Items per requirement list, and bytes per item or hint string.
    public static let maxListItems = 64
    public static let maxItemBytes = 128
    /// `job_id` is a `VARCHAR(64)`.
    public static let maxJobIDBytes = 64

    public var jobID: String
    /// Minimum VRAM / RAM in GB; a miner without a value counts as 0.
    public var minVRAMGB: Double
    public var minRAMGB: Double
    /// At least one must be among the miner's capabilities; `cap_fit` is the fraction present.
    public var capabilitiesAny: [String]
    /// At least one must be among the miner's tag keys.
    public var tagsAny: [String]
    /// Every one must be a capability or a tag key.
    public var accel: [String]
    /// `hints.region`: only miners in exactly this region.
    public var region: String?
    /// `hints.max_price`: price must not exceed it; also the base of `price_norm`.
    public var maxPrice: Double?
    public var topK: Int

    /// A validated request.
    /// - Throws: `PoolHubError` for `top_k` outside 1…50, a negative or non-finite number, or a list or string over its limit.
    public init(
        jobID: String = "job", minVRAMGB: Double = 0, minRAMGB: Double = 0, capabilitiesAny: [String] = [], tagsAny: [String] = [],
        accel: [String] = [], region: String? = nil, maxPrice: Double? = nil, topK: Int = 1
    ) throws(PoolHubError) {
        guard Self.topKRange.contains(topK) else { throw .topKOutOfRange(topK) }
        self.jobID = try Validate.string(jobID, field: "job_id", maxBytes: Self.maxJobIDBytes)
        self.minVRAMGB = try Validate.number(minVRAMGB, field: "min_vram_gb")
        self.minRAMGB = try Validate.number(minRAMGB, field: "min_ram_gb")
        self.capabilitiesAny = try Self.list(capabilitiesAny, field: "capabilities_any")
        self.tagsAny = try Self.list(tagsAny, field: "tags_any")
        self.accel = try Self.list(accel, field: "accel")
        self.region = try Validate.optionalString(region, field: "region", maxBytes: Self.maxItemBytes)
        self.maxPrice = try Validate.optionalNumber(maxPrice, field: "max_price")
        self.topK = topK
    }

    private static func list(_ items: [String], field: String) throws(PoolHubError) -> [String] {
        guard items.count <= maxListItems else { throw .tooManyItems(field: field, limit: maxListItems) }
        for item in items { _ = try Validate.string(item, field: field, maxBytes: maxItemBytes) }
        return items
    }
}

extension MatchRequest {
    /// Reads `{"job_id", "requirements": {…}, "hints": {…}, "top_k"}`; `accel` may be one string or a list.
    /// - Throws: `PoolHubError` naming the first missing or invalid field.
    public init(json: JSONValue) throws(PoolHubError) {
        let body = try FieldReader(json, field: "body")
        guard let jobID = try body.string("job_id", maxBytes: Self.maxJobIDBytes) else { throw .missingField("job_id") }
        var requirements: FieldReader?
        if let member = body.member(["requirements"]) { requirements = try FieldReader(member.value, field: "requirements") }
        var hints: FieldReader?
        if let member = body.member(["hints"]) { hints = try FieldReader(member.value, field: "hints") }
        let topK: Int
        switch body.member(["top_k"])?.value {
        case nil: topK = 1
        case .integer(let integer)?:
            // Out-of-range and huge values are both "outside 1…50"; clamp what we echo.
            guard let value = integer.intValue else { throw .topKOutOfRange(integer.isNegative ? Int.min : Int.max) }
            topK = value
        default: throw .wrongType(field: "top_k", expected: "an integer")
        }
        try self.init(
            jobID: jobID,
            minVRAMGB: requirements?.number("min_vram_gb") ?? 0,
            minRAMGB: requirements?.number("min_ram_gb") ?? 0,
            capabilitiesAny: requirements?.stringList("capabilities_any", maxItems: Self.maxListItems, maxBytes: Self.maxItemBytes) ?? [],
            tagsAny: requirements?.stringList("tags_any", maxItems: Self.maxListItems, maxBytes: Self.maxItemBytes) ?? [],
            accel: requirements?.stringList("accel", maxItems: Self.maxListItems, maxBytes: Self.maxItemBytes, singleAllowed: true) ?? [],
            region: hints?.string("region", maxBytes: Self.maxItemBytes),
            maxPrice: hints?.number("max_price"),
            topK: topK)
    }
}
