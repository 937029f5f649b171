import JSON

/// The five weights of the score (§2 `POOLHUB_DEFAULT_SCORE_WEIGHTS`, §5.3), each finite and ≥ 0.
public struct ScoreWeights: Sendable, Equatable {
    /// The §2 defaults: cap 0.40, price 0.20, latency 0.20, trust 0.15, load 0.05.
    public static let defaults = ScoreWeights(uncheckedCapability: 0.40, price: 0.20, latency: 0.20, trust: 0.15, load: 0.05)

    public let capability: Double
    public let price: Double
    /// Unused by `legacy` scoring (§5.2: "never used").
    public let latency: Double
    public let trust: Double
    public let load: Double

    /// Validated weights; an omitted weight takes its default.
    /// - Throws: `PoolHubError.invalidWeights` naming a weight that is negative or not finite.
    public init(
        capability: Double = ScoreWeights.defaults.capability, price: Double = ScoreWeights.defaults.price,
        latency: Double = ScoreWeights.defaults.latency, trust: Double = ScoreWeights.defaults.trust,
        load: Double = ScoreWeights.defaults.load
    ) throws(PoolHubError) {
        for (name, value) in [("capability", capability), ("price", price), ("latency", latency), ("trust", trust), ("load", load)] {
            guard value.isFinite, value >= 0 else { throw .invalidWeights(reason: "\(name) must be a finite number ≥ 0") }
        }
        self.init(uncheckedCapability: capability, price: price, latency: latency, trust: trust, load: load)
    }

    private init(uncheckedCapability capability: Double, price: Double, latency: Double, trust: Double, load: Double) {
        self.capability = capability
        self.price = price
        self.latency = latency
        self.trust = trust
        self.load = load
    }

    /// Reads either form of the setting: the reference's JSON object
    /// (`{"cap":0.40,"price":0.20,…}`, `cap` an alias of `capability`) or the planned list
    /// (`cap:0.4,price:0.2,…`). Names not given keep their defaults; a name twice (including
    /// `cap` with `capability`), an unknown name, an empty item or a bad number is an error.
    /// - Throws: `PoolHubError.invalidWeights` saying what is wrong.
    public init(parsing text: String) throws(PoolHubError) {
        let trimmed = Self.trim(Substring(text))
        guard !trimmed.isEmpty else { throw .invalidWeights(reason: "empty") }
        var pairs: [(name: String, value: Double)] = []
        if trimmed.first == "{" {
            let value: JSONValue
            do {
                value = try JSONParser(limits: .init(maxInputBytes: 4096, maxDepth: 2)).parse(String(trimmed))
            } catch {
                throw .invalidWeights(reason: "not valid JSON (\(error))")
            }
            guard let members = value.objectValue else { throw .invalidWeights(reason: "not a JSON object") }
            for member in members {
                guard let number = member.value.doubleValue else {
                    throw .invalidWeights(reason: "\(Self.quoted(member.key)) is not a number")
                }
                pairs.append((member.key, number))
            }
        } else {
            for item in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = item.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw .invalidWeights(reason: "expected name:value, got \(Self.quoted(Self.trim(item)))") }
                let name = String(Self.trim(parts[0]))
                guard let number = Double(Self.trim(parts[1])) else {
                    throw .invalidWeights(reason: "\(Self.quoted(Substring(name))) is not a number")
                }
                pairs.append((name, number))
            }
        }
        var values: [String: Double] = [:]
        for (name, value) in pairs {
            let canonical: String
            switch name {
            case "cap", "capability": canonical = "capability"
            case "price", "latency", "trust", "load": canonical = name
            default: throw .invalidWeights(reason: "unknown weight \(Self.quoted(Substring(name))) (cap, price, latency, trust, load)")
            }
            guard values.updateValue(value, forKey: canonical) == nil else {
                throw .invalidWeights(reason: "\(canonical) given twice")
            }
        }
        let defaults = Self.defaults
        try self.init(
            capability: values["capability"] ?? defaults.capability, price: values["price"] ?? defaults.price,
            latency: values["latency"] ?? defaults.latency, trust: values["trust"] ?? defaults.trust, load: values["load"] ?? defaults.load)
    }

    private static func trim(_ text: Substring) -> Substring {
        var result = text
        while let first = result.first, first == " " || first == "\t" || first == "\n" || first == "\r" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" || last == "\n" || last == "\r" { result.removeLast() }
        return result
    }

    /// A configuration name, quoted and cut to 32 characters for the message.
    private static func quoted(_ name: some StringProtocol) -> String {
        name.count > 32 ? "'\(name.prefix(32))…'" : "'\(name)'"
    }
}
