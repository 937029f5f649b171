public import JSON

/// What a job asks of its miner (spec/coordinator.md §6 POST /v1/jobs, §8). `null` members are
/// dropped; unknown ones are refused; the known ones are type- and bounds-checked.
public struct JobConstraints: Sendable, Equatable {
    /// Exact GPU model name some `capabilities.gpus[i].name` must equal.
    public var gpu: String?
    /// Substring of the miner's `capabilities.cuda`.
    public var cuda: String?
    /// Some GPU must have `memory_mb >= min_vram_gb * 1024` (0 = no requirement).
    public var minVRAMGB: Int?
    /// Every model must appear in `capabilities.models`.
    public var models: [String]?
    /// Must equal the miner's region.
    public var region: String?
    /// The miner's `capabilities.price` must be a number at most this.
    public var maxPrice: Double?

    /// Most models a job may require.
    public static let maxModels = 64
    /// Longest string accepted in any constraint.
    public static let maxStringBytes = 256
    /// Largest `min_vram_gb` (keeps `* 1024` far from overflow).
    public static let maxVRAMGB = 1_000_000
    /// The members, in wire order.
    public static let memberNames = ["gpu", "cuda", "min_vram_gb", "models", "region", "max_price"]

    /// No constraints: every miner matches.
    public init(
        gpu: String? = nil, cuda: String? = nil, minVRAMGB: Int? = nil, models: [String]? = nil,
        region: String? = nil, maxPrice: Double? = nil
    ) {
        self.gpu = gpu
        self.cuda = cuda
        self.minVRAMGB = minVRAMGB
        self.models = models
        self.region = region
        self.maxPrice = maxPrice
    }

    /// Reads a request's `constraints` member (absent or `null` → none); unknown members are refused.
    /// - Throws: `WireDecodingError` naming the field and rule.
    public init(json: JSONValue?) throws(WireDecodingError) {
        try self.init(json: json, refusingUnknown: true)
    }

    /// Reads a `constraints` member; `refusingUnknown` false skips members this version does
    /// not know (a response from a newer coordinator).
    /// - Throws: `WireDecodingError` naming the field and rule.
    init(json: JSONValue?, refusingUnknown: Bool) throws(WireDecodingError) {
        self.init()
        guard let json, !json.isNull else { return }
        guard case .object(let members) = json else { throw WireDecodingError(field: "constraints", reason: "must be an object") }
        for member in members where !member.value.isNull {
            switch member.key {
            case "gpu": gpu = try Self.string(member.value, field: "gpu")
            case "cuda": cuda = try Self.string(member.value, field: "cuda")
            case "region": region = try Self.string(member.value, field: "region")
            case "min_vram_gb":
                // An integral float such as `24.0` is the integer 24 (JSON does not distinguish them); strings are not.
                var integral: Int?
                if let integer = member.value.integerValue?.intValue {
                    integral = integer
                } else if case .float(let number) = member.value, number.isFinite, number == number.rounded(), abs(number) <= 1e9 {
                    integral = Int(number)
                }
                guard let value = integral, (0...Self.maxVRAMGB).contains(value) else {
                    throw WireDecodingError(field: "constraints.min_vram_gb", reason: "must be an integer in 0...\(Self.maxVRAMGB)")
                }
                minVRAMGB = value
            case "models":
                guard let elements = member.value.arrayValue, elements.count <= Self.maxModels else {
                    throw WireDecodingError(field: "constraints.models", reason: "must be an array of at most \(Self.maxModels) strings")
                }
                var names: [String] = []
                for element in elements {
                    names.append(try Self.string(element, field: "models"))
                }
                models = names
            case "max_price":
                guard let value = member.value.doubleValue, value.isFinite, value >= 0 else {
                    throw WireDecodingError(field: "constraints.max_price", reason: "must be a finite number >= 0")
                }
                maxPrice = value
            default:
                guard refusingUnknown else { continue }
                // Refused, not dropped (issue 12 review): a misspelt `max_prise` took the
                // default — no price cap — and the job went to a miner at any price.
                throw WireDecodingError(
                    field: "constraints", problem: .unknownMembers([member.key], known: Self.memberNames, inDocument: false))
            }
        }
    }

    private static func string(_ value: JSONValue, field: String) throws(WireDecodingError) -> String {
        guard let text = value.stringValue, text.utf8.count <= maxStringBytes, isPrintableASCII(text) else {
            throw WireDecodingError(
                field: "constraints.\(field)", reason: "must be a string of at most \(maxStringBytes) printable ASCII characters")
        }
        return text
    }

    /// Whether `text` is printable ASCII (0x20…0x7E). GPU names, CUDA versions, model names and
    /// regions are identifiers; the limit keeps matching exact and the documented bounds
    /// (characters = bytes) true.
    public static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }

    /// Whether nothing is required.
    public var isEmpty: Bool {
        gpu == nil && cuda == nil && minVRAMGB == nil && models == nil && region == nil && maxPrice == nil
    }

    /// The submitted and stored form: only the members that are set (nulls removed, spec §5).
    public var json: JSONValue {
        .object(pairs.compactMap { key, value in value.map { JSONMember(key: key, value: $0) } })
    }

    /// The poll response form: all six keys, `null` when unset (spec §6 POST /v1/miners/poll).
    public var pollJSON: JSONValue {
        .object(pairs.map { JSONMember(key: $0.0, value: $0.1 ?? .null) })
    }

    /// The six members in wire order, nil when unset.
    private var pairs: [(String, JSONValue?)] {
        [
            ("gpu", gpu.map { .string($0) }), ("cuda", cuda.map { .string($0) }),
            ("min_vram_gb", minVRAMGB.map { .int($0) }), ("models", models.map { .array($0.map { .string($0) }) }),
            ("region", region.map { .string($0) }), ("max_price", maxPrice.map { .float($0) }),
        ]
    }
}
