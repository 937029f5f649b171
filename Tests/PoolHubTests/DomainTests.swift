import JSON
import PoolHub
import Testing

private func parse(_ text: String) throws -> JSONValue {
    try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(text)
}

/// Miner ids, profiles and status updates: validation names the field (§10.12) and tags take both shapes (§4.2).
@Suite struct DomainTests {
    @Test(arguments: ["a", "miner-1", "gpu.host:7_x", String(repeating: "z", count: 64)])
    func acceptsValidIDs(text: String) throws {
        #expect(try MinerID(text).rawValue == text)
    }

    @Test(arguments: ["", String(repeating: "z", count: 65), "a b", "a/b", "é", "a\u{0}"])
    func refusesInvalidIDs(text: String) {
        #expect(throws: PoolHubError.self) { try MinerID(text) }
        do {
            _ = try MinerID(text)
        } catch {
            #expect(error.field == "miner_id")
        }
    }

    @Test func idsOrderByBytes() {
        #expect(MinerID.make("A") < MinerID.make("a"))
        #expect(MinerID.make("m-1") < MinerID.make("m-2"))
        #expect(!(MinerID.make("m") < MinerID.make("m")))
    }

    @Test func profileRefusesBadNumbersNamingTheField() {
        let id = MinerID.make("m")
        #expect(throws: PoolHubError.negativeNumber(field: "gpu_vram_gb")) { try MinerProfile(minerID: id, gpuVRAMGB: -1) }
        #expect(throws: PoolHubError.nonFiniteNumber(field: "base_price")) { try MinerProfile(minerID: id, basePrice: .nan) }
        #expect(throws: PoolHubError.nonFiniteNumber(field: "ram_gb")) { try MinerProfile(minerID: id, ramGB: .infinity) }
        #expect(throws: PoolHubError.integerOutOfRange(field: "max_parallel", range: MinerProfile.Limits.count)) {
            try MinerProfile(minerID: id, maxParallel: -1)
        }
        #expect(throws: PoolHubError.stringTooLong(field: "region", limit: 64)) {
            try MinerProfile(minerID: id, region: String(repeating: "r", count: 65))
        }
        #expect(throws: PoolHubError.tooManyItems(field: "capabilities", limit: 64)) {
            try MinerProfile(minerID: id, capabilities: (0..<65).map { "c\($0)" })
        }
    }

    @Test func profileFromJSONWithAliasesAndMissingFields() throws {
        let profile = try MinerProfile(json: parse(#"{"miner_id":"m1","api_key":"k","gpu_vram":24,"price_token_per_ksec":0.5,"max_parallel":2.0,"capabilities":["cuda","cuda","llm"],"extra":1}"#))
        #expect(profile.minerID.rawValue == "m1")
        #expect(profile.gpuVRAMGB == 24)
        #expect(profile.basePrice == 0.5)
        #expect(profile.maxParallel == 2)
        #expect(profile.capabilities == ["cuda", "llm"])
        #expect(profile.addr == nil && profile.ramGB == nil && profile.region == nil && profile.tags.isEmpty)
    }

    @Test(arguments: [
        (#"{"addr":"x"}"#, PoolHubError.missingField("miner_id")),
        (#"{"miner_id":"m","gpu_vram_gb":-2}"#, .negativeNumber(field: "gpu_vram_gb")),
        (#"{"miner_id":"m","base_price":"1"}"#, .wrongType(field: "base_price", expected: "a number")),
        (#"{"miner_id":"m","cpu_cores":1.5}"#, .integerOutOfRange(field: "cpu_cores", range: MinerProfile.Limits.count)),
        (#"{"miner_id":"m","tags":{"a":1}}"#, .wrongType(field: "tags", expected: "string values")),
        (#"{"miner_id":"m","tags":"gpu"}"#, .wrongType(field: "tags", expected: "an object or a list of strings")),
        (#"{"miner_id":"m","capabilities":[1]}"#, .wrongType(field: "capabilities", expected: "a list of strings")),
        (#"[1]"#, .wrongType(field: "body", expected: "an object")),
    ])
    func profileJSONErrors(body: String, expected: PoolHubError) throws {
        let json = try parse(body)
        #expect(throws: expected) { try MinerProfile(json: json) }
    }

    @Test func hugeIntegerIsNotFinite() throws {
        let json = try parse(#"{"miner_id":"m","base_price":1\#(String(repeating: "0", count: 400))}"#)
        #expect(throws: PoolHubError.nonFiniteNumber(field: "base_price")) { try MinerProfile(json: json) }
    }

    @Test func tagsAsListBecomeKeysWithEmptyValues() throws {
        let listed = try MinerProfile(json: parse(#"{"miner_id":"m","tags":["gpu","fast"]}"#))
        #expect(listed.tags == ["gpu": "", "fast": ""])
        let object = try MinerProfile(json: parse(#"{"miner_id":"m","tags":{"gpu":"h100","zone":""}}"#))
        #expect(object.tags == ["gpu": "h100", "zone": ""])
    }

    @Test func statusUpdateKeepsAbsentFields() throws {
        let start = try StatusUpdate(json: parse(#"{"queue_len":2,"avg_latency_ms":120,"temp_c":-5,"busy":true}"#))
        let first = start.applied(to: nil, now: HubTime(seconds: 10))
        #expect(first.queueLen == 2 && first.avgLatencyMS == 120 && first.tempC == -5 && first.busy)
        let frame = try StatusUpdate(json: parse(#"{"ts":1,"queue_len":0}"#))
        let second = frame.applied(to: first, now: HubTime(seconds: 20))
        #expect(second.queueLen == 0 && second.avgLatencyMS == 120 && second.busy && second.updatedAt == HubTime(seconds: 20))
    }

    @Test func statusRefusesNegativeAndNonFinite() throws {
        #expect(throws: PoolHubError.integerOutOfRange(field: "queue_len", range: MinerStatus.countRange)) {
            try StatusUpdate(json: parse(#"{"queue_len":-1}"#))
        }
        #expect(throws: PoolHubError.nonFiniteNumber(field: "mem_free_gb")) { try StatusUpdate(memFreeGB: .nan) }
        #expect(throws: PoolHubError.negativeNumber(field: "base_price")) { try StatusUpdate(basePrice: -0.1) }
    }
}
