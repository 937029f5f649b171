/// A requested capability or tag name with its hash computed once per match.
struct Symbol {
    let hash: Int
    let name: String

    init(_ name: String) {
        self.name = name
        self.hash = name.hashValue
    }
}

/// A miner's capability (or tag-key) names with their hashes, computed once when the record is
/// stored. Matching compares integers and confirms a hit by string only when the hashes agree:
/// with 10,000 miners a `Set<String>` lookup (hashing the name per miner) alone took most of the
/// 1 ms budget; this scan over a handful of integers costs a few nanoseconds.
struct SymbolSet: Sendable {
    private let hashes: [Int]
    private let names: [String]

    init(_ names: some Sequence<String>) {
        var seen = Set<String>()
        var unique: [String] = []
        for name in names where seen.insert(name).inserted { unique.append(name) }
        self.names = unique
        self.hashes = unique.map(\.hashValue)
    }

    var isEmpty: Bool { names.isEmpty }

    func contains(_ symbol: Symbol) -> Bool {
        for index in hashes.indices where hashes[index] == symbol.hash && names[index] == symbol.name {
            return true
        }
        return false
    }
}

/// A request's name lists as symbols, duplicates removed (the lists are sets).
struct PreparedRequest {
    let request: MatchRequest
    let capabilitiesAny: [Symbol]
    let tagsAny: [Symbol]
    let accel: [Symbol]

    init(_ request: MatchRequest) {
        self.request = request
        self.capabilitiesAny = Self.symbols(request.capabilitiesAny)
        self.tagsAny = Self.symbols(request.tagsAny)
        self.accel = Self.symbols(request.accel)
    }

    private static func symbols(_ names: [String]) -> [Symbol] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }.map(Symbol.init)
    }
}
