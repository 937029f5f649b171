public import JSON

extension MinerProfile {
    /// Reads a registration body (§4.2): `miner_id` required, `gpu_vram` and `price_token_per_ksec`
    /// accepted as aliases, `tags` as an object of strings or a list of strings. Other members
    /// (`api_key`, unknown keys) are ignored here; the route reads the key.
    /// - Throws: `PoolHubError` naming the first invalid field.
    public init(json: JSONValue) throws(PoolHubError) {
        let body = try FieldReader(json, field: "body")
        guard let idText = try body.string("miner_id", maxBytes: Int.max) else { throw .missingField("miner_id") }
        try self.init(
            minerID: MinerID(idText),
            addr: body.string("addr", maxBytes: Limits.addrBytes),
            proto: body.string("proto", maxBytes: Limits.protoBytes),
            gpuVRAMGB: body.number("gpu_vram_gb", "gpu_vram"),
            gpuName: body.string("gpu_name", maxBytes: Limits.gpuNameBytes),
            cpuCores: body.integer("cpu_cores", range: Limits.count),
            ramGB: body.number("ram_gb"),
            maxParallel: body.integer("max_parallel", range: Limits.count),
            basePrice: body.number("base_price", "price_token_per_ksec"),
            tags: Self.tags(body.member(["tags"])?.value),
            capabilities: body.stringList("capabilities", maxItems: Limits.capabilities, maxBytes: Limits.itemBytes) ?? [],
            region: body.string("region", maxBytes: Limits.regionBytes))
    }

    /// Tags as an object (string values) or a list (items become keys with value "").
    /// - Throws: `PoolHubError` for another shape, a non-string item or too many items.
    static func tags(_ value: JSONValue?) throws(PoolHubError) -> [String: String] {
        switch value {
        case nil, .null?:
            return [:]
        case .array(let items)?:
            guard items.count <= Limits.tags else { throw .tooManyItems(field: "tags", limit: Limits.tags) }
            var tags: [String: String] = [:]
            for item in items {
                guard let key = item.stringValue else { throw .wrongType(field: "tags", expected: "strings") }
                tags[key] = ""
            }
            return tags
        case .object(let members)?:
            guard members.count <= Limits.tags else { throw .tooManyItems(field: "tags", limit: Limits.tags) }
            var tags: [String: String] = [:]
            for member in members {
                // JSONParser refuses duplicate keys, so each key is seen once.
                guard let text = member.value.stringValue else { throw .wrongType(field: "tags", expected: "string values") }
                tags[member.key] = text
            }
            return tags
        default:
            throw .wrongType(field: "tags", expected: "an object or a list of strings")
        }
    }
}
