public import Cryptography
public import JSON
import Receipts
public import WireModels

/// The genesis file (docs/chain-node.md "Genesis"): the chain id, the authorities that may
/// propose, the initial balances, the parameters and the coordinator keys whose receipts mint.
/// Block 0 comes from this file alone, so nodes given the same file agree on it byte for byte.
public struct GenesisDocument: Sendable, Equatable {
    /// One authority: its address and the Ed25519 key that signs its blocks.
    public struct Authority: Sendable, Equatable {
        public var publicKey: Ed25519.PublicKey
        public var weight: UInt64
        public var address: Address { Address(publicKey: publicKey) }

        /// An authority of weight 1.
        public init(publicKey: Ed25519.PublicKey, weight: UInt64 = 1) {
            self.publicKey = publicKey
            self.weight = weight
        }
    }

    /// One funded account.
    public struct Account: Sendable, Equatable {
        public var address: Address
        public var balance: UInt64
        public var nonce: UInt64

        /// An account.
        public init(address: Address, balance: UInt64, nonce: UInt64 = 0) {
            self.address = address
            self.balance = balance
            self.nonce = nonce
        }
    }

    public var chainID: String
    /// Unix seconds; block 0's time.
    public var timestamp: UInt64
    /// In proposal order: the authority for height h at slot offset k is
    /// `authorities[(h + k) % count]` (h ≥ 1; `scheduledAuthority(height:offset:)`).
    public var authorities: [Authority]
    public var accounts: [Account]
    public var parameters: ChainParameters
    /// The coordinator keys whose receipts may mint.
    public var coordinatorKeys: [Ed25519.PublicKey]

    /// A document; `validate()` checks it.
    public init(
        chainID: String, timestamp: UInt64, authorities: [Authority], accounts: [Account], parameters: ChainParameters = ChainParameters(),
        coordinatorKeys: [Ed25519.PublicKey]
    ) {
        self.chainID = chainID
        self.timestamp = timestamp
        self.authorities = authorities
        self.accounts = accounts
        self.parameters = parameters
        self.coordinatorKeys = coordinatorKeys
    }

    /// Longest file read.
    public static let maxBytes = 16 << 20

    /// Parses and validates genesis file bytes.
    /// - Throws: `GenesisError.invalid` naming the member.
    public init(bytes: [UInt8]) throws(GenesisError) {
        guard bytes.count <= Self.maxBytes else { throw .invalid("the file is larger than \(Self.maxBytes) bytes") }
        let json: JSONValue
        do {
            json = try JSONParser(limits: .init(maxInputBytes: Self.maxBytes, maxDepth: 8)).parse(bytes)
        } catch {
            throw .invalid("not JSON: \(error)")
        }
        try self.init(json: json)
    }

    /// Reads and validates a parsed genesis document.
    /// - Throws: `GenesisError.invalid` naming the member.
    public init(json: JSONValue) throws(GenesisError) {
        guard case .object(let members) = json else { throw .invalid("must be a JSON object") }
        let known = ["accounts", "authorities", "chain_id", "coordinator_keys", "params", "timestamp"]
        if let unknown = members.first(where: { !known.contains($0.key) }) {
            throw .invalid("unknown member \(unknown.key) (known: \(known.joined(separator: ", ")))")
        }
        guard let chainID = json["chain_id"]?.stringValue else { throw .invalid("chain_id: must be a string") }
        guard case .integer(let stamp)? = json["timestamp"], let timestamp = stamp.int64Value, timestamp >= 0 else {
            throw .invalid("timestamp: must be Unix seconds (an integer ≥ 0)")
        }
        guard let authorityList = json["authorities"]?.arrayValue else { throw .invalid("authorities: must be an array") }
        var authorities: [Authority] = []
        for (index, item) in authorityList.enumerated() {
            let field = "authorities[\(index)]"
            try Self.refuseUnknown(item, field: field, known: ["address", "public_key", "weight"])
            guard let hex = item["public_key"]?.stringValue, let key = try? Ed25519.PublicKey(hex: hex), key.isValidPoint else {
                throw .invalid("\(field).public_key: must be 64 hex characters of a valid Ed25519 public key")
            }
            if let address = item["address"] {
                guard let text = address.stringValue, Address(text) == Address(publicKey: key) else {
                    throw .invalid("\(field).address: is not the address of its public_key")
                }
            }
            var weight: UInt64 = 1
            if let value = item["weight"] {
                guard case .integer(let integer) = value, let int = integer.int64Value, int >= 1 else {
                    throw .invalid("\(field).weight: must be an integer ≥ 1")
                }
                weight = UInt64(int)
            }
            authorities.append(Authority(publicKey: key, weight: weight))
        }
        guard let accountList = json["accounts"]?.arrayValue else { throw .invalid("accounts: must be an array") }
        var accounts: [Account] = []
        for (index, item) in accountList.enumerated() {
            let field = "accounts[\(index)]"
            try Self.refuseUnknown(item, field: field, known: ["address", "balance", "nonce"])
            guard let text = item["address"]?.stringValue, let address = Address(text) else {
                throw .invalid("\(field).address: \(Address.rule)")
            }
            guard case .integer(let balanceValue)? = item["balance"], let balance = balanceValue.int64Value, balance >= 0 else {
                throw .invalid("\(field).balance: must be an integer in 0…\(Int64.max)")
            }
            var nonce: Int64 = 0
            if let value = item["nonce"] {
                guard case .integer(let integer) = value, let int = integer.int64Value, int >= 0 else {
                    throw .invalid("\(field).nonce: must be an integer ≥ 0")
                }
                nonce = int
            }
            accounts.append(Account(address: address, balance: UInt64(balance), nonce: UInt64(nonce)))
        }
        // Optional (a chain without one mints nothing), but never read as empty when mistyped.
        let keyList = json["coordinator_keys"] ?? .array([])
        guard let keyItems = keyList.arrayValue else { throw .invalid("coordinator_keys: must be an array") }
        var coordinatorKeys: [Ed25519.PublicKey] = []
        for (index, item) in keyItems.enumerated() {
            guard let hex = item.stringValue, let key = try? Ed25519.PublicKey(hex: hex), key.isValidPoint else {
                throw .invalid("coordinator_keys[\(index)]: must be 64 hex characters of a valid Ed25519 public key")
            }
            coordinatorKeys.append(key)
        }
        guard let params = json["params"] else { throw .invalid("params: field required") }
        self.init(
            chainID: chainID, timestamp: UInt64(timestamp), authorities: authorities, accounts: accounts,
            parameters: try ChainParameters(json: params), coordinatorKeys: coordinatorKeys)
        try validate()
    }

    /// Refuses members of an account or authority other than `known`: a misspelt `nonce`
    /// would otherwise read as 0, and the file two nodes compare would not be the one they run.
    /// - Throws: `GenesisError.invalid` naming the first unknown member.
    private static func refuseUnknown(_ item: JSONValue, field: String, known: [String]) throws(GenesisError) {
        if let unknown = (item.objectValue ?? []).first(where: { !known.contains($0.key) }) {
            throw .invalid("\(field): unknown member \(unknown.key) (known: \(known.joined(separator: ", ")))")
        }
    }

    /// Checks the rules the parser cannot see member by member.
    /// - Throws: `GenesisError.invalid`.
    public func validate() throws(GenesisError) {
        guard (1...TransactionMessage.maxChainIDLength).contains(chainID.utf8.count),
            chainID.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            })
        else { throw .invalid("chain_id: must be 1…\(TransactionMessage.maxChainIDLength) characters of A-Z a-z 0-9 . _ -") }
        guard !authorities.isEmpty else { throw .invalid("authorities: at least one authority is required") }
        guard Set(authorities.map(\.publicKey)).count == authorities.count else { throw .invalid("authorities: a key is listed twice") }
        guard Set(accounts.map(\.address)).count == accounts.count else { throw .invalid("accounts: an address is listed twice") }
        guard Set(coordinatorKeys).count == coordinatorKeys.count else { throw .invalid("coordinator_keys: a key is listed twice") }
        var supply: UInt64 = 0
        for account in accounts {
            let (sum, overflow) = supply.addingReportingOverflow(account.balance)
            guard !overflow, sum <= UInt64(Int64.max) else { throw .invalid("accounts: the balances add up to more than \(Int64.max)") }
            supply = sum
        }
        guard timestamp <= UInt64(Int64.max) / 1_000 else { throw .invalid("timestamp: too large") }
    }

    /// Total balance at genesis.
    public var supply: UInt64 { accounts.reduce(0) { $0 &+ $1.balance } }

    /// The document, members sorted (what the file and its hash hold).
    public var json: JSONValue {
        .object([
            JSONMember(
                key: "accounts",
                value: .array(
                    accounts.map { account in
                        .object([
                            JSONMember(key: "address", value: .string(account.address.rawValue)),
                            JSONMember(key: "balance", value: .integer(JSONInteger(account.balance))),
                            JSONMember(key: "nonce", value: .integer(JSONInteger(account.nonce))),
                        ])
                    })),
            JSONMember(
                key: "authorities",
                value: .array(
                    authorities.map { authority in
                        .object([
                            JSONMember(key: "address", value: .string(authority.address.rawValue)),
                            JSONMember(key: "public_key", value: .string(authority.publicKey.hex)),
                            JSONMember(key: "weight", value: .integer(JSONInteger(authority.weight))),
                        ])
                    })),
            JSONMember(key: "chain_id", value: .string(chainID)),
            JSONMember(key: "coordinator_keys", value: .array(coordinatorKeys.map { .string($0.hex) })),
            JSONMember(key: "params", value: parameters.json),
            JSONMember(key: "timestamp", value: .integer(JSONInteger(timestamp))),
        ])
    }

    /// The file's text: 2-space indented, sorted members, trailing newline (spec §2).
    public var fileBytes: [UInt8] { PrettyJSON.bytes(json) + [0x0A] }

    /// SHA-256 of the document's canonical JSON: what block 0's `tx_root` holds, so block 0's
    /// hash commits to every member of the file (authorities and parameters included).
    public var documentHash: [UInt8] {
        SHA256.hash((try? CanonicalJSON.bytes(of: json)) ?? [])
    }

    /// Block 0: no parent, no proposer, the genesis accounts' state root.
    public var genesisHeader: BlockHeader {
        var state = StateTree(accounts: accounts.map { AccountState(address: $0.address, balance: $0.balance, nonce: $0.nonce) })
        return BlockHeader(
            chainID: chainID, height: 0, parentHash: Merkle.emptyRoot, timeMilliseconds: timestamp * 1_000,
            proposerKey: [UInt8](repeating: 0, count: 32), txRoot: documentHash,
            stateRoot: state.root,
            receiptsRoot: Merkle.emptyRoot)
    }

    /// The authority scheduled to propose `height` in its first slot (offset 0).
    public func scheduledAuthority(height: UInt64) -> Authority {
        scheduledAuthority(height: height, offset: 0)
    }

    /// The authority scheduled to propose `height` at slot offset `offset`
    /// (`authorities[(h + k) mod N]`): when the first in line misses its slot, the next one
    /// takes over after each `slot_timeout_ms`, so one stopped authority never stops the chain.
    public func scheduledAuthority(height: UInt64, offset: UInt64) -> Authority {
        let count = UInt64(max(1, authorities.count))
        // Reduced first: h + k must not overflow for a hostile far-future time.
        let index = (height % count + offset % count) % count
        return authorities[Int(index)]
    }

    /// The slot offset of a block at `time` on a parent at `parentTime`:
    /// `max(0, t − t_parent − block_time_ms) / slot_timeout_ms`.
    public func slotOffset(time: UInt64, parentTime: UInt64) -> UInt64 {
        let opens = parentTime &+ parameters.blockTimeMilliseconds
        guard time > opens else { return 0 }
        return (time - opens) / max(1, parameters.slotTimeoutMilliseconds)
    }

    /// Where `authority` stands in the proposal order, or nil when it is not an authority.
    public func authorityIndex(of publicKey: Ed25519.PublicKey) -> Int? {
        authorities.firstIndex { $0.publicKey == publicKey }
    }

    /// The smallest slot offset ≥ `notBefore` at which `authorityIndex` is scheduled for
    /// `height` (offsets repeat every N).
    public func nextOffset(height: UInt64, authorityIndex: Int, notBefore: UInt64) -> UInt64 {
        let count = UInt64(max(1, authorities.count))
        let wanted = UInt64(max(0, authorityIndex)) % count
        let current = (height % count + notBefore % count) % count
        return notBefore &+ (wanted + count - current) % count
    }
}

/// Indented JSON for files people read (genesis, key files).
enum PrettyJSON {
    static func bytes(_ value: JSONValue, indent: Int = 0) -> [UInt8] {
        let pad = [UInt8](repeating: 0x20, count: (indent + 1) * 2)
        let closing = [UInt8](repeating: 0x20, count: indent * 2)
        switch value {
        case .object(let members) where !members.isEmpty:
            var out: [UInt8] = Array("{\n".utf8)
            for (index, member) in members.enumerated() {
                out += pad
                out += (try? JSONSerializer().serialize(.string(member.key))) ?? []
                out += Array(": ".utf8)
                out += bytes(member.value, indent: indent + 1)
                out += Array((index == members.count - 1 ? "\n" : ",\n").utf8)
            }
            return out + closing + Array("}".utf8)
        case .array(let items) where !items.isEmpty:
            var out: [UInt8] = Array("[\n".utf8)
            for (index, item) in items.enumerated() {
                out += pad + bytes(item, indent: indent + 1)
                out += Array((index == items.count - 1 ? "\n" : ",\n").utf8)
            }
            return out + closing + Array("]".utf8)
        default:
            return (try? JSONSerializer().serialize(value)) ?? Array("null".utf8)
        }
    }
}
