import JSON
import PoolHub
import Testing

private func parse(_ text: String) throws -> JSONValue {
    try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(text)
}

/// `POST /v1/match` bodies (§4.1, §5.3) and `top_k`'s range (§10.12).
@Suite struct MatchRequestTests {
    @Test func readsEveryField() throws {
        let request = try MatchRequest(json: parse(#"""
            {"job_id":"j1","requirements":{"min_vram_gb":8,"min_ram_gb":16.5,"capabilities_any":["cuda","llm"],
             "tags_any":["fast"],"accel":"cuda","task":"ignored"},"hints":{"region":"eu","max_price":2,"deadline_ms":5},"top_k":3}
            """#))
        #expect(request.jobID == "j1")
        #expect(request.minVRAMGB == 8 && request.minRAMGB == 16.5)
        #expect(request.capabilitiesAny == ["cuda", "llm"] && request.tagsAny == ["fast"] && request.accel == ["cuda"])
        #expect(request.region == "eu" && request.maxPrice == 2 && request.topK == 3)
    }

    @Test func defaults() throws {
        let request = try MatchRequest(json: parse(#"{"job_id":"j","requirements":null}"#))
        #expect(request.topK == 1 && request.minVRAMGB == 0 && request.capabilitiesAny.isEmpty && request.region == nil && request.maxPrice == nil)
    }

    @Test(arguments: [0, 51, -1, 1000])
    func topKOutOfRange(topK: Int) throws {
        let json = try parse(#"{"job_id":"j","top_k":\#(topK)}"#)
        #expect(throws: PoolHubError.topKOutOfRange(topK)) { try MatchRequest(json: json) }
        #expect(throws: PoolHubError.topKOutOfRange(topK)) { try MatchRequest(topK: topK) }
    }

    @Test(arguments: [1, 50])
    func topKBounds(topK: Int) throws {
        #expect(try MatchRequest(json: parse(#"{"job_id":"j","top_k":\#(topK)}"#)).topK == topK)
    }

    @Test(arguments: [
        (#"{"requirements":{}}"#, PoolHubError.missingField("job_id")),
        (#"{"job_id":"j","top_k":2.5}"#, .wrongType(field: "top_k", expected: "an integer")),
        (#"{"job_id":"j","top_k":99999999999999999999999}"#, .topKOutOfRange(Int.max)),
        (#"{"job_id":"j","requirements":[]}"#, .wrongType(field: "requirements", expected: "an object")),
        (#"{"job_id":"j","requirements":{"min_vram_gb":-1}}"#, .negativeNumber(field: "min_vram_gb")),
        (#"{"job_id":"j","hints":{"max_price":-0.5}}"#, .negativeNumber(field: "max_price")),
        (#"{"job_id":"j","requirements":{"capabilities_any":"cuda"}}"#, .wrongType(field: "capabilities_any", expected: "a list of strings")),
        (#"{"job_id":"\#(String(repeating: "j", count: 65))"}"#, .stringTooLong(field: "job_id", limit: 64)),
    ])
    func invalidBodies(body: String, expected: PoolHubError) throws {
        let json = try parse(body)
        #expect(throws: expected) { try MatchRequest(json: json) }
    }

    @Test func nonFiniteRequirementFromSwift() {
        #expect(throws: PoolHubError.nonFiniteNumber(field: "min_ram_gb")) { try MatchRequest(minRAMGB: .nan) }
        #expect(throws: PoolHubError.tooManyItems(field: "tags_any", limit: 64)) { try MatchRequest(tagsAny: (0...64).map { "t\($0)" }) }
    }
}

/// `POOLHUB_DEFAULT_SCORE_WEIGHTS` in both forms (§2).
@Suite struct ScoreWeightsTests {
    @Test func defaultsAreTheReferences() {
        let weights = ScoreWeights.defaults
        #expect(weights.capability == 0.40 && weights.price == 0.20 && weights.latency == 0.20 && weights.trust == 0.15 && weights.load == 0.05)
    }

    @Test(arguments: [
        #"{"cap":0.40,"price":0.20,"latency":0.20,"trust":0.15,"load":0.05}"#,
        #"  {"capability":0.4,"price":0.2,"latency":0.2,"trust":0.15,"load":0.05}"#,
        "cap:0.4,price:0.2,latency:0.2,trust:0.15,load:0.05",
        " cap : 0.4 , price:0.2,latency:0.2,trust:0.15,load:0.05 ",
        "capability:0.4",
        "{}",
    ])
    func bothFormsGiveTheDefaults(text: String) throws {
        #expect(try ScoreWeights(parsing: text) == .defaults)
    }

    @Test func givenValuesReplaceDefaults() throws {
        let json = try ScoreWeights(parsing: #"{"cap":1,"load":0}"#)
        #expect(json.capability == 1 && json.load == 0 && json.price == 0.20)
        let list = try ScoreWeights(parsing: "price:0.5,trust:0")
        #expect(list.price == 0.5 && list.trust == 0 && list.capability == 0.40)
    }

    @Test(arguments: [
        "", "  ", "cap:-0.1", "price:nan", "load:inf", "cap:0.4,cap:0.3", #"{"cap":0.4,"capability":0.4}"#, "speed:1", "cap=0.4",
        "cap:0.4,", "cap:x", #"{"cap":"0.4"}"#, #"{"cap":1e999}"#, "[1]", #"{"cap":"#, "{\"cap\":-1}",
    ])
    func invalid(text: String) {
        #expect(throws: PoolHubError.self) { try ScoreWeights(parsing: text) }
    }

    @Test func errorsSayWhy() {
        #expect(throws: PoolHubError.invalidWeights(reason: "capability given twice")) { try ScoreWeights(parsing: "cap:1,capability:1") }
        #expect(throws: PoolHubError.invalidWeights(reason: "price must be a finite number ≥ 0")) { try ScoreWeights(parsing: "price:-1") }
        #expect(throws: PoolHubError.invalidWeights(reason: "latency must be a finite number ≥ 0")) { try ScoreWeights(latency: .nan) }
    }
}
