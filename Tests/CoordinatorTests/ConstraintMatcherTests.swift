import Coordinator
import JSON
import Testing
import WireModels

@Suite struct JobConstraintsTests {
    @Test func nullsAreDroppedAndUnknownKeysRefused() throws {
        let constraints = try JobConstraints(json: ["gpu": "A100", "cuda": .null, "min_vram_gb": 16])
        #expect(constraints == JobConstraints(gpu: "A100", minVRAMGB: 16))
        // Found by the issue 12 reviews: a misspelt `max_prise` was dropped, so the job had no price cap.
        for unknown in ["max_prise", "regoin", "color"] {
            let error = #expect(throws: WireDecodingError.self) { try JobConstraints(json: ["gpu": "A100", .init(stringLiteral: unknown): 1]) }
            #expect(error.map(CoordinatorError.init)?.httpStatus == 422)
            #expect(error?.description.contains("unknown field \"\(unknown)\"") == true)
        }
        #expect(constraints.json == ["gpu": "A100", "min_vram_gb": 16])
        #expect(try JobConstraints(json: nil).isEmpty)
        #expect(try JobConstraints(json: .null).isEmpty)
    }

    @Test func pollFormHasAllSixKeys() {
        let json = JobConstraints(region: "eu").pollJSON
        let keys = json.objectValue?.map(\.key) ?? []
        #expect(keys == ["gpu", "cuda", "min_vram_gb", "models", "region", "max_price"])
        #expect(json["gpu"] == .null)
        #expect(json["region"] == "eu")
    }

    @Test(arguments: [
        ["min_vram_gb": -1], ["min_vram_gb": 1.5], ["min_vram_gb": "16"], ["min_vram_gb": 1_000_001],
        ["models": "llama"], ["models": [1]], ["max_price": -0.5], ["max_price": "cheap"], ["gpu": 5],
        ["region": .string(String(repeating: "r", count: 300))],
        ["models": .array(Array(repeating: "m", count: 65))], "not-an-object",
    ] as [JSONValue])
    func invalidConstraintsAreRejected(json: JSONValue) {
        #expect(throws: WireDecodingError.self) { try JobConstraints(json: json) }
    }

    @Test func nonFiniteMaxPriceIsRejected() {
        #expect(throws: WireDecodingError.self) { try JobConstraints(json: ["max_price": .float(.infinity)]) }
        #expect(throws: WireDecodingError.self) { try JobConstraints(json: ["max_price": .float(.nan)]) }
    }
}

@Suite struct ConstraintMatcherTests {
    let capabilities: JSONValue = [
        "gpus": [["name": "RTX 4090", "memory_mb": 24_576], ["name": "A100", "memory_mb": 81_920.0]],
        "cuda": "12.2", "models": ["llama3", "sdxl"], "price": "0.5",
    ]

    @Test func emptyConstraintsMatchEveryone() {
        #expect(ConstraintMatcher(region: nil, capabilities: .object([])).matches(JobConstraints()))
    }

    @Test(arguments: [
        (JobConstraints(gpu: "A100"), true), (JobConstraints(gpu: "a100"), false),
        (JobConstraints(minVRAMGB: 80), true), (JobConstraints(minVRAMGB: 81), false), (JobConstraints(minVRAMGB: 0), true),
        (JobConstraints(cuda: "12"), true), (JobConstraints(cuda: "11"), false),
        (JobConstraints(models: ["llama3"]), true), (JobConstraints(models: ["llama3", "gpt"]), false),
        (JobConstraints(models: []), true),
        (JobConstraints(region: "eu-west"), true), (JobConstraints(region: "us-east"), false),
        (JobConstraints(maxPrice: 0.5), true), (JobConstraints(maxPrice: 0.49), false),
        (JobConstraints(gpu: "RTX 4090", minVRAMGB: 24, models: ["sdxl"], region: "eu-west", maxPrice: 1), true),
    ])
    func eachConstraint(constraints: JobConstraints, expected: Bool) {
        #expect(ConstraintMatcher(region: "eu-west", capabilities: capabilities).matches(constraints) == expected)
    }

    @Test func missingOrNonNumericPriceIsNotEligible() {
        let noPrice = ConstraintMatcher(region: nil, capabilities: ["gpus": []])
        #expect(!noPrice.matches(JobConstraints(maxPrice: 100)))
        let textPrice = ConstraintMatcher(region: nil, capabilities: ["price": "free"])
        #expect(!textPrice.matches(JobConstraints(maxPrice: 100)))
        #expect(!noPrice.matches(JobConstraints(gpu: "A100")))
        #expect(!noPrice.matches(JobConstraints(cuda: "12")))
    }

    @Test func numericCudaIsMatchedByItsTextForm() {
        let matcher = ConstraintMatcher(region: nil, capabilities: ["cuda": 12.1])
        #expect(matcher.matches(JobConstraints(cuda: "12.1")))
    }
}
