/// A requested capability or tag name with its hash computed once per match.
struct Symbol {
    let hash: Int
    let name: String

    init(_ name: String) {
        self.name = name
        self.hash = name.hashValue
    }

    /// The symbol's bit in a 64-bit Bloom mask.
    var bit: UInt64 { Self.bit(hash) }

    static func bit(_ hash: Int) -> UInt64 { 1 << UInt64(hash & 63) }
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
        self.mask = hashes.reduce(0) { $0 | Symbol.bit($1) }
    }

    /// A one-hash Bloom filter of the names: a request name whose bit is clear is certainly absent,
    /// so most misses are decided from the chunk's compact fields without touching this set.
    let mask: UInt64

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
        self.capabilitiesMask = capabilitiesAny.reduce(0) { $0 | $1.bit }
        self.tagsMask = tagsAny.reduce(0) { $0 | $1.bit }
        self.accelMask = accel.reduce(0) { $0 | $1.bit }
        self.regionHash = request.region?.hashValue ?? 0
    }

    let capabilitiesMask: UInt64
    let tagsMask: UInt64
    let accelMask: UInt64
    let regionHash: Int

    private static func symbols(_ names: [String]) -> [Symbol] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }.map(Symbol.init)
    }
}
