import PoolHub
import TestSupport

/// Random miners and requests from a seed, with few distinct values so ties are common.
enum RandomMiners {
    static let capabilityNames = ["cuda", "llm", "sd", "whisper", "rocm"]
    static let regions: [String?] = [nil, "eu", "us"]

    static func profile(_ number: Int, using generator: inout SeededGenerator) -> MinerProfile {
        let capabilities = capabilityNames.filter { _ in Bool.random(using: &generator) }
        let tags = Dictionary(uniqueKeysWithValues: ["fast", "green"].filter { _ in Bool.random(using: &generator) }.map { ($0, "") })
        return .make(
            "m\(number)", vram: [nil, 8, 16, 24].randomElement(using: &generator) ?? nil,
            ram: [nil, 16, 64].randomElement(using: &generator) ?? nil, maxParallel: [nil, 1, 2, 4].randomElement(using: &generator) ?? nil,
            price: [nil, 0, 0.5, 0.8, 1.5, 3].randomElement(using: &generator) ?? nil, tags: tags, capabilities: capabilities,
            region: regions.randomElement(using: &generator) ?? nil)
    }

    static func status(using generator: inout SeededGenerator) throws -> StatusUpdate {
        try StatusUpdate(
            queueLen: Int.random(in: 0...3, using: &generator), busy: Int.random(in: 0..<10, using: &generator) == 0,
            avgLatencyMS: [nil, 0, 50, 100, 200].randomElement(using: &generator) ?? nil)
    }

    static let requests: [MatchRequest] = [
        .make(topK: 1), .make(topK: 50), .make(vram: 16, topK: 10), .make(ram: 20, caps: ["cuda", "llm"], topK: 7),
        .make(tags: ["fast"], region: "eu", topK: 3), .make(accel: ["cuda"], maxPrice: 1, topK: 50), .make(caps: ["sd"], maxPrice: 0, topK: 5),
    ]
}
