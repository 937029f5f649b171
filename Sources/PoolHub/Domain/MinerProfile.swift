/// What a miner registers: where it listens and what it offers (spec §3.1 `miners`, §4.2 register).
///
/// Every field but the id is optional, as in the table; a record with missing fields is matched
/// by the rules of §5.3 (null VRAM/RAM count as 0, a missing price as 0) and never breaks a match
/// for other miners (§10.12). Numbers are finite and ≥ 0, strings fit their column widths.
public struct MinerProfile: Sendable, Equatable {
    /// Column widths and list limits; a body over them is refused (422), not truncated.
    public enum Limits {
        public static let addrBytes = 256
        public static let protoBytes = 32
        public static let gpuNameBytes = 128
        public static let regionBytes = 64
        /// Capabilities per miner, and bytes per capability.
        public static let capabilities = 64
        /// Tags per miner, and bytes per tag key or value.
        public static let tags = 64
        public static let itemBytes = 128
        /// `cpu_cores` and `max_parallel` are SQL `int` columns.
        public static let count: ClosedRange<Int> = 0...Int(Int32.max)
    }

    public var minerID: MinerID
    public var addr: String?
    public var proto: String?
    public var gpuVRAMGB: Double?
    public var gpuName: String?
    public var cpuCores: Int?
    public var ramGB: Double?
    /// Jobs the miner runs at once; matching treats a missing value as 1.
    public var maxParallel: Int?
    /// Price per unit of work; matching treats a missing value as 0.
    public var basePrice: Double?
    /// Tag key → value; `tags_any` matches keys (§4.2: list items become `{item: ""}`).
    public var tags: [String: String]
    /// Capability names in registration order, duplicates removed.
    public var capabilities: [String]
    public var region: String?

    /// A validated profile.
    /// - Throws: `PoolHubError` naming the first field that is negative, not finite, out of range or too long.
    public init(
        minerID: MinerID, addr: String? = nil, proto: String? = nil, gpuVRAMGB: Double? = nil, gpuName: String? = nil,
        cpuCores: Int? = nil, ramGB: Double? = nil, maxParallel: Int? = nil, basePrice: Double? = nil,
        tags: [String: String] = [:], capabilities: [String] = [], region: String? = nil
    ) throws(PoolHubError) {
        self.minerID = minerID
        self.addr = try Validate.optionalString(addr, field: "addr", maxBytes: Limits.addrBytes)
        self.proto = try Validate.optionalString(proto, field: "proto", maxBytes: Limits.protoBytes)
        self.gpuVRAMGB = try Validate.optionalNumber(gpuVRAMGB, field: "gpu_vram_gb")
        self.gpuName = try Validate.optionalString(gpuName, field: "gpu_name", maxBytes: Limits.gpuNameBytes)
        self.cpuCores = try Validate.optionalInteger(cpuCores, field: "cpu_cores", range: Limits.count)
        self.ramGB = try Validate.optionalNumber(ramGB, field: "ram_gb")
        self.maxParallel = try Validate.optionalInteger(maxParallel, field: "max_parallel", range: Limits.count)
        self.basePrice = try Validate.optionalNumber(basePrice, field: "base_price")
        guard tags.count <= Limits.tags else { throw .tooManyItems(field: "tags", limit: Limits.tags) }
        for (key, value) in tags {
            _ = try Validate.string(key, field: "tags", maxBytes: Limits.itemBytes)
            _ = try Validate.string(value, field: "tags", maxBytes: Limits.itemBytes)
        }
        self.tags = tags
        guard capabilities.count <= Limits.capabilities else {
            throw .tooManyItems(field: "capabilities", limit: Limits.capabilities)
        }
        var seen = Set<String>()
        var unique: [String] = []
        for capability in capabilities {
            _ = try Validate.string(capability, field: "capabilities", maxBytes: Limits.itemBytes)
            if seen.insert(capability).inserted { unique.append(capability) }
        }
        self.capabilities = unique
        self.region = try Validate.optionalString(region, field: "region", maxBytes: Limits.regionBytes)
    }
}
