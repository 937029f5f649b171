public import JSON
import WireModels

/// The chain's economic and block parameters, fixed by genesis (`params`).
public struct ChainParameters: Sendable, Equatable {
    /// Fee floor of every transaction.
    public var baseFee: UInt64 = 10
    /// Fee per byte of the payload's canonical JSON.
    public var feePerByte: UInt64 = 1
    /// AIT base units minted per receipt unit.
    public var mintPerUnit: UInt64 = 1_000
    /// The coordinator's cut of each mint, issued on top (0…1, exact decimal).
    public var coordinatorRatio = ExactDecimal(significand: 5, exponent: -2)
    /// Target time between blocks.
    public var blockTimeMilliseconds: UInt64 = 2_000
    /// Most transactions in one block.
    public var maxBlockTransactions: Int = 5_000
    /// Most bytes of signed transactions in one block.
    public var maxBlockBytes: Int = 4 << 20
    /// `slot_timeout_ms` as written in genesis; nil when the file has no such member. Kept
    /// apart from the effective value so a file without it re-encodes without it, and its
    /// block 0 (which commits to the document's hash) keeps its hash.
    public var slotTimeoutSetting: UInt64?

    /// How long after a slot opens the next authority in line may take it (docs/chain-node.md
    /// "Authorities and forks"): `slot_timeout_ms`, by default twice the block time.
    public var slotTimeoutMilliseconds: UInt64 { slotTimeoutSetting ?? 2 * blockTimeMilliseconds }

    /// The range `slot_timeout_ms` must fall in.
    public static let slotTimeoutRange: ClosedRange<UInt64> = 50...86_400_000

    /// The defaults above.
    public init() {}

    /// Reads `params`, refusing unknown members and values out of range.
    /// - Throws: `GenesisError.invalid` naming `params.<member>`.
    public init(json: JSONValue) throws(GenesisError) {
        guard let members = json.objectValue else { throw .invalid("params: must be an object") }
        let known = Self.members
        let unknown = members.map(\.key).filter { !known.contains($0) }
        guard unknown.isEmpty else { throw .invalid("params: unknown member \(unknown[0]) (known: \(known.joined(separator: ", ")))") }
        func int(_ key: String, _ range: ClosedRange<UInt64>) throws(GenesisError) -> UInt64 {
            guard let value = json[key] else { throw .invalid("params.\(key): field required") }
            guard case .integer(let integer) = value, let int = integer.int64Value, int >= 0, range.contains(UInt64(int)) else {
                throw .invalid("params.\(key): must be an integer in \(range.lowerBound)…\(range.upperBound)")
            }
            return UInt64(int)
        }
        baseFee = try int("base_fee", 0...1_000_000_000)
        feePerByte = try int("fee_per_byte", 0...1_000_000)
        mintPerUnit = try int("mint_per_unit", 0...1_000_000_000_000)
        blockTimeMilliseconds = try int("block_time_ms", 50...3_600_000)
        maxBlockTransactions = Int(try int("max_block_txs", 1...100_000))
        maxBlockBytes = Int(try int("max_block_bytes", 1_024...(256 << 20)))
        guard let ratioValue = json["coordinator_ratio"], let ratio = ExactDecimal(json: ratioValue), ratio.isAtMostOne else {
            throw .invalid("params.coordinator_ratio: must be a number in 0…1")
        }
        coordinatorRatio = ratio
        if json["slot_timeout_ms"] != nil { slotTimeoutSetting = try int("slot_timeout_ms", Self.slotTimeoutRange) }
    }

    static let members = [
        "base_fee", "block_time_ms", "coordinator_ratio", "fee_per_byte", "max_block_bytes", "max_block_txs", "mint_per_unit", "slot_timeout_ms",
    ]

    /// `params` as written in genesis (members sorted).
    public var json: JSONValue {
        var members: [JSONMember] = [
            JSONMember(key: "base_fee", value: .integer(JSONInteger(baseFee))),
            JSONMember(key: "block_time_ms", value: .integer(JSONInteger(blockTimeMilliseconds))),
            JSONMember(key: "coordinator_ratio", value: coordinatorRatio.json),
            JSONMember(key: "fee_per_byte", value: .integer(JSONInteger(feePerByte))),
            JSONMember(key: "max_block_bytes", value: .integer(JSONInteger(maxBlockBytes))),
            JSONMember(key: "max_block_txs", value: .integer(JSONInteger(maxBlockTransactions))),
            JSONMember(key: "mint_per_unit", value: .integer(JSONInteger(mintPerUnit))),
        ]
        // Only when set: a file without it must encode (and hash) as it always did.
        if let slotTimeoutSetting { members.append(JSONMember(key: "slot_timeout_ms", value: .integer(JSONInteger(slotTimeoutSetting)))) }
        return .object(members)
    }
}

extension ExactDecimal {
    /// The decimal as a JSON number (an integer when it has no fraction).
    public var json: JSONValue {
        if exponent >= 0, let value = multipliedRoundingDown(by: 1) { return .integer(JSONInteger(value)) }
        return .float(Double("\(significand)e\(exponent)") ?? 0)
    }
}
