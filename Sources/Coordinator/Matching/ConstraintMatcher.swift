import HTTP1
public import JSON
public import WireModels

/// A miner's capabilities pre-digested for matching, so a claim that scans many queued jobs
/// reads the capability document once (spec §8 constraint test).
public struct ConstraintMatcher: Sendable {
    /// The miner's region.
    public let region: String?
    private let gpus: [(name: String?, memoryMB: Double?)]
    private let cuda: String?
    private let models: Set<String>
    /// `capabilities.price` as a finite number ≥ 0: the miner's price per billed unit, fixed
    /// on each job it is assigned (issue 10); nil when it registered none (then no job with a
    /// `max_price` matches it).
    public let unitPrice: Double?
    /// The GPUs the miner registered (`capabilities.gpus`).
    public var gpuCount: Int { gpus.count }

    /// Digests `capabilities` (an object; anything else matches only empty constraints).
    public init(region: String?, capabilities: JSONValue) {
        self.region = region
        gpus = (capabilities["gpus"]?.arrayValue ?? []).map { gpu in
            (name: gpu["name"]?.stringValue, memoryMB: gpu["memory_mb"]?.doubleValue)
        }
        switch capabilities["cuda"] {
        case .string(let text)?: cuda = text
        case .integer(let value)?: cuda = value.digits
        case .float(let value)?: cuda = JSONFloatText.format(value)
        default: cuda = nil
        }
        models = Set((capabilities["models"]?.arrayValue ?? []).compactMap(\.stringValue))
        // -0.0 passes `>= 0`; it is billed as 0.0 so no receipt carries a negative zero.
        unitPrice = Self.number(capabilities["price"]).flatMap { $0.isFinite && $0 >= 0 ? ($0 == 0 ? 0 : $0) : nil }
    }

    /// A price as registered: a JSON number, or a string holding exactly a JSON number (the
    /// reference matched on numeric strings; Swift's `Double(String)` would also take `0x10`,
    /// `+5` or `inf`, which no JSON client means as a price). Nil for anything else.
    public static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer?, .float?: return value?.doubleValue
        case .string(let text)?:
            let trimmed = text.trimmingWhitespace()
            guard (1...64).contains(trimmed.utf8.count),
                let parsed = try? JSONParser(limits: .init(maxInputBytes: 64, maxDepth: 1)).parse(trimmed)
            else { return nil }
            switch parsed {
            case .integer, .float: return parsed.doubleValue
            default: return nil
            }
        default: return nil
        }
    }

    /// Whether the miner satisfies every constraint that is set (empty matches everything).
    public func matches(_ constraints: JobConstraints) -> Bool {
        if let wanted = constraints.region, wanted != region { return false }
        if let wanted = constraints.gpu {
            guard gpus.contains(where: { $0.name == wanted }) else { return false }
        }
        if let minimum = constraints.minVRAMGB, minimum != 0 {
            let neededMB = Double(minimum) * 1024
            guard gpus.contains(where: { ($0.memoryMB ?? -1) >= neededMB }) else { return false }
        }
        if let wanted = constraints.cuda {
            guard let cuda, cuda.contains(wanted) else { return false }
        }
        if let wanted = constraints.models {
            guard wanted.allSatisfy({ models.contains($0) }) else { return false }
        }
        if let limit = constraints.maxPrice {
            guard let unitPrice, unitPrice <= limit else { return false }
        }
        return true
    }
}
