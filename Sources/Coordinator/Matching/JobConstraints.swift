public import JSON
import ServiceRuntime

/// What a job asks of its miner (spec/coordinator.md §6 POST /v1/jobs, §8). Unknown keys and
/// `null` members are dropped; the known ones are type- and bounds-checked.
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

    /// Limits on constraint values.
    public static let maxModels = 64
    /// Longest string accepted in any constraint.
    public static let maxStringBytes = 256
    /// Largest `min_vram_gb` (keeps `* 1024` far from overflow).
    public static let maxVRAMGB = 1_000_000

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

    /// Reads a request's `constraints` member (absent or `null` → none).
    /// - Throws: `CoordinatorError.invalidPayload` naming the field and rule.
    public init(json: JSONValue?) throws(CoordinatorError) {
        self.init()
        guard let json, !json.isNull else { return }
        guard case .object(let members) = json else { throw .invalidPayload("constraints: must be an object") }
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
                    throw .invalidPayload("constraints.min_vram_gb: must be an integer in 0...\(Self.maxVRAMGB)")
                }
                minVRAMGB = value
            case "models":
                guard let elements = member.value.arrayValue, elements.count <= Self.maxModels else {
                    throw .invalidPayload("constraints.models: must be an array of at most \(Self.maxModels) strings")
                }
                var names: [String] = []
                for element in elements {
                    names.append(try Self.string(element, field: "models"))
                }
                models = names
            case "max_price":
                guard let value = member.value.doubleValue, value.isFinite, value >= 0 else {
                    throw .invalidPayload("constraints.max_price: must be a finite number >= 0")
                }
                maxPrice = value
            default:
                // Refused, not dropped (issue 12 review): a misspelt `max_prise` took the
                // default — no price cap — and the job went to a miner at any price.
                throw .invalidPayload(
                    "constraints: unknown field \"\(UntrustedText.display(member.key))\" (known: gpu, cuda, min_vram_gb, models, region, max_price)")
            }
        }
    }

    private static func string(_ value: JSONValue, field: String) throws(CoordinatorError) -> String {
        guard let text = value.stringValue, text.utf8.count <= maxStringBytes, isPrintableASCII(text) else {
            throw .invalidPayload("constraints.\(field): must be a string of at most \(maxStringBytes) printable ASCII characters")
        }
        return text
    }

    /// Whether `text` is printable ASCII (0x20…0x7E). GPU names, CUDA versions, model names and
    /// regions are identifiers; the limit keeps matching exact and the documented bounds
    /// (characters = bytes) true.
    static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }

    /// Whether nothing is required.
    public var isEmpty: Bool {
        gpu == nil && cuda == nil && minVRAMGB == nil && models == nil && region == nil && maxPrice == nil
    }

    /// The stored form: only the members that are set (nulls removed, spec §5).
    public var json: JSONValue {
        var members: [JSONMember] = []
        if let gpu { members.append(JSONMember(key: "gpu", value: .string(gpu))) }
        if let cuda { members.append(JSONMember(key: "cuda", value: .string(cuda))) }
        if let minVRAMGB { members.append(JSONMember(key: "min_vram_gb", value: .integer(JSONInteger(minVRAMGB)))) }
        if let models { members.append(JSONMember(key: "models", value: .array(models.map { .string($0) }))) }
        if let region { members.append(JSONMember(key: "region", value: .string(region))) }
        if let maxPrice { members.append(JSONMember(key: "max_price", value: .float(maxPrice))) }
        return .object(members)
    }

    /// The poll response form: all six keys, `null` when unset (spec §6 POST /v1/miners/poll).
    public var pollJSON: JSONValue {
        .object([
            JSONMember(key: "gpu", value: gpu.map { .string($0) } ?? .null),
            JSONMember(key: "cuda", value: cuda.map { .string($0) } ?? .null),
            JSONMember(key: "min_vram_gb", value: minVRAMGB.map { .integer(JSONInteger($0)) } ?? .null),
            JSONMember(key: "models", value: models.map { .array($0.map { .string($0) }) } ?? .null),
            JSONMember(key: "region", value: region.map { .string($0) } ?? .null),
            JSONMember(key: "max_price", value: maxPrice.map { .float($0) } ?? .null),
        ])
    }
}
