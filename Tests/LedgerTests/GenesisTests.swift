import Cryptography
import JSON
import Ledger
import Testing
import WireModels

/// The genesis file: what nodes share byte for byte, and every refusal naming its member.
@Suite struct GenesisTests {
    static let genesis = GenesisDocument(
        chainID: "ait-devnet", timestamp: 1_727_400_000,
        authorities: [.init(publicKey: Keys.proposer.publicKey), .init(publicKey: Keys.bob.publicKey, weight: 3)],
        accounts: [.init(address: Keys.address(Keys.alice), balance: 1_000_000_000), .init(address: Keys.address(Keys.bob), balance: 0, nonce: 4)],
        coordinatorKeys: [Keys.coordinator.publicKey, Keys.otherCoordinator.publicKey])

    static func parse(_ text: String) throws -> JSONValue { try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(text) }

    /// The message `GenesisDocument(json:)` refuses `json` with, or nil when it is accepted.
    static func refusal(_ json: JSONValue) -> String? {
        do {
            _ = try GenesisDocument(json: json)
            return nil
        } catch {
            guard case .invalid(let message) = error else { return nil }
            return message
        }
    }

    /// The genesis JSON with `member` set (or removed).
    static func with(_ member: String, _ value: JSONValue?) -> JSONValue { genesis.json.setting(member, value) }

    /// The genesis JSON with `params.<member>` set (or removed).
    static func withParam(_ member: String, _ value: JSONValue?) -> JSONValue {
        with("params", (genesis.json["params"] ?? .null).setting(member, value))
    }

    static func authority(_ key: Ed25519.PrivateKey, address: String? = nil) -> JSONValue {
        ["address": .string(address ?? Keys.address(key).rawValue), "public_key": .string(key.publicKey.hex), "weight": 1]
    }

    static func account(_ address: String, balance: JSONValue) -> JSONValue { ["address": .string(address), "balance": balance, "nonce": 0] }

    // MARK: the file

    @Test func fileRoundTripsToAnEqualDocumentAndTheSameBytes() throws {
        let file = Self.genesis.fileBytes
        let parsed = try GenesisDocument(bytes: file)
        #expect(parsed == Self.genesis)
        #expect(parsed.fileBytes == file)
    }

    @Test func fileIsTwoSpaceIndentedSortedWithATrailingNewline() throws {
        let text = String(decoding: Self.genesis.fileBytes, as: UTF8.self)
        #expect(text.hasSuffix("}\n") && !text.hasSuffix("\n\n"))
        #expect(text.hasPrefix("{\n  \"accounts\": [\n    {\n      \"address\": \"\(Keys.address(Keys.alice))\",\n      \"balance\": 1000000000,\n"))
        #expect(text.contains("\n  \"params\": {\n    \"base_fee\": 10,\n    \"block_time_ms\": 2000,\n    \"coordinator_ratio\": 0.05,\n"))
        #expect(text.hasSuffix("\n  \"timestamp\": 1727400000\n}\n"))
        for line in text.split(separator: "\n") {
            let indent = line.prefix { $0 == " " }.count
            #expect(indent % 2 == 0, "line \(line)")
        }
        func expectSorted(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let members):
                let keys = members.map(\.key)
                #expect(keys == keys.sorted(), "members of \(path)")
                for member in members { expectSorted(member.value, path + "." + member.key) }
            case .array(let items):
                for item in items { expectSorted(item, path + "[]") }
            default:
                break
            }
        }
        expectSorted(try Self.parse(text), "genesis")
    }

    @Test func sameDocumentGivesTheSameBlockZero() {
        let again = GenesisDocument(
            chainID: "ait-devnet", timestamp: 1_727_400_000,
            authorities: [.init(publicKey: Keys.proposer.publicKey), .init(publicKey: Keys.bob.publicKey, weight: 3)],
            accounts: [.init(address: Keys.address(Keys.alice), balance: 1_000_000_000), .init(address: Keys.address(Keys.bob), balance: 0, nonce: 4)],
            coordinatorKeys: [Keys.coordinator.publicKey, Keys.otherCoordinator.publicKey])
        #expect(again.genesisHeader.hash == Self.genesis.genesisHeader.hash)
        #expect(again.documentHash == Self.genesis.documentHash)
    }

    @Test func anyChangedMemberGivesAnotherBlockZero() {
        let base = Self.genesis.genesisHeader.hash
        var changes: [(String, GenesisDocument)] = []
        var doc = Self.genesis
        doc.parameters.baseFee = 11
        changes.append(("params.base_fee", doc))
        doc = Self.genesis
        doc.parameters.coordinatorRatio = ExactDecimal(significand: 6, exponent: -2)
        changes.append(("params.coordinator_ratio", doc))
        doc = Self.genesis
        doc.parameters.maxBlockTransactions = 4_999
        changes.append(("params.max_block_txs", doc))
        doc = Self.genesis
        doc.authorities[1].weight = 2
        changes.append(("authorities[1].weight", doc))
        doc = Self.genesis
        doc.authorities.reverse()
        changes.append(("authority order", doc))
        doc = Self.genesis
        doc.authorities.append(.init(publicKey: Keys.alice.publicKey))
        changes.append(("another authority", doc))
        doc = Self.genesis
        doc.coordinatorKeys.removeLast()
        changes.append(("coordinator_keys", doc))
        doc = Self.genesis
        doc.accounts[0].balance -= 1
        changes.append(("accounts[0].balance", doc))
        doc = Self.genesis
        doc.timestamp += 1
        changes.append(("timestamp", doc))
        doc = Self.genesis
        doc.chainID = "ait-testnet"
        changes.append(("chain_id", doc))
        for (name, changed) in changes {
            #expect(changed.genesisHeader.hash != base, "\(name)")
        }
    }

    @Test func authoritiesProposeRoundRobin() {
        #expect(Self.genesis.scheduledAuthority(height: 1).publicKey == Keys.bob.publicKey)
        #expect(Self.genesis.scheduledAuthority(height: 2).publicKey == Keys.proposer.publicKey)
        #expect(Self.genesis.authorities[0].address == Keys.address(Keys.proposer))
    }

    // MARK: refusals, each naming its member

    @Test func unknownTopLevelMemberIsNamed() {
        #expect(Self.refusal(Self.with("authoritys", .array([])))?.hasPrefix("unknown member authoritys") == true)
    }

    @Test func unknownMemberOfAnAccountOrAuthorityIsNamed() {
        // A misspelt `nonce` must not silently become 0 (and the file's hash is over what was read).
        var accounts = Self.genesis.json["accounts"]?.arrayValue ?? []
        accounts[1] = accounts[1].setting("nonse", 4)
        #expect(Self.refusal(Self.with("accounts", .array(accounts)))?.hasPrefix("accounts[1]: unknown member nonse") == true)
        var authorities = Self.genesis.json["authorities"]?.arrayValue ?? []
        authorities[0] = authorities[0].setting("wieght", 2)
        #expect(Self.refusal(Self.with("authorities", .array(authorities)))?.hasPrefix("authorities[0]: unknown member wieght") == true)
    }

    @Test func duplicateAuthorityIsRefused() {
        let json = Self.with("authorities", [Self.authority(Keys.proposer), Self.authority(Keys.proposer)])
        #expect(Self.refusal(json) == "authorities: a key is listed twice")
        #expect(Self.refusal(Self.with("authorities", .array([]))) == "authorities: at least one authority is required")
    }

    @Test func authorityAddressNotMatchingItsKeyIsRefused() {
        let json = Self.with("authorities", [Self.authority(Keys.proposer, address: Keys.address(Keys.alice).rawValue)])
        #expect(Self.refusal(json) == "authorities[0].address: is not the address of its public_key")
        let bad = Self.with("authorities", [Self.authority(Keys.proposer, address: "ait1notanaddress")])
        #expect(Self.refusal(bad) == "authorities[0].address: is not the address of its public_key")
        // Without `address`, the key alone decides.
        let keyOnly = Self.with("authorities", [["public_key": .string(Keys.proposer.publicKey.hex)]])
        #expect(Self.refusal(keyOnly) == nil)
    }

    @Test func badAuthorityKeyOrWeightIsNamed() {
        let short = Self.with("authorities", [["public_key": "abcd"]])
        #expect(Self.refusal(short)?.hasPrefix("authorities[0].public_key:") == true)
        let weight = Self.with("authorities", [Self.authority(Keys.proposer).setting("weight", 0)])
        #expect(Self.refusal(weight) == "authorities[0].weight: must be an integer ≥ 1")
    }

    @Test(arguments: [JSONValue.string("ait devnet"), "", .string(String(repeating: "a", count: 65)), "ait/devnet", "αιτ", 5])
    func badChainIDIsRefused(chainID: JSONValue) {
        #expect(Self.refusal(Self.with("chain_id", chainID))?.hasPrefix("chain_id: must be") == true)
    }

    @Test func supplyOverflowIsRefused() {
        let json = Self.with(
            "accounts",
            [
                Self.account(Keys.address(Keys.alice).rawValue, balance: .integer(JSONInteger(Int64.max))),
                Self.account(Keys.address(Keys.bob).rawValue, balance: 1),
            ])
        #expect(Self.refusal(json) == "accounts: the balances add up to more than \(Int64.max)")
        let fits = Self.with(
            "accounts",
            [
                Self.account(Keys.address(Keys.alice).rawValue, balance: .integer(JSONInteger(Int64.max - 1))),
                Self.account(Keys.address(Keys.bob).rawValue, balance: 1),
            ])
        #expect(Self.refusal(fits) == nil)
    }

    @Test func badAccountsAreNamed() {
        let alice = Keys.address(Keys.alice).rawValue
        #expect(Self.refusal(Self.with("accounts", [Self.account(alice, balance: 1), Self.account(alice, balance: 2)])) == "accounts: an address is listed twice")
        #expect(Self.refusal(Self.with("accounts", [Self.account("ait1bob", balance: 1)])) == "accounts[0].address: \(Address.rule)")
        for balance: JSONValue in [-1, 1.5, "10", .null] {
            #expect(Self.refusal(Self.with("accounts", [Self.account(alice, balance: balance)]))?.hasPrefix("accounts[0].balance:") == true)
        }
        #expect(Self.refusal(Self.with("accounts", [Self.account(alice, balance: 1).setting("nonce", -1)]))?.hasPrefix("accounts[0].nonce:") == true)
        #expect(Self.refusal(Self.with("accounts", "none")) == "accounts: must be an array")
    }

    @Test func badCoordinatorKeysAreNamed() {
        #expect(Self.refusal(Self.with("coordinator_keys", ["zz"]))?.hasPrefix("coordinator_keys[0]:") == true)
        let key = JSONValue.string(Keys.coordinator.publicKey.hex)
        #expect(Self.refusal(Self.with("coordinator_keys", [key, key])) == "coordinator_keys: a key is listed twice")
        // A key given as a string instead of a list must not be read as "no keys".
        #expect(Self.refusal(Self.with("coordinator_keys", key)) == "coordinator_keys: must be an array")
    }

    @Test func badTimestampIsNamed() {
        for value: JSONValue in [-1, 1.5, "1727400000"] {
            #expect(Self.refusal(Self.with("timestamp", value))?.hasPrefix("timestamp:") == true)
        }
        #expect(Self.refusal(Self.with("timestamp", .integer(JSONInteger(Int64.max)))) == "timestamp: too large")
    }

    @Test func paramsOutOfRangeAreNamed() {
        let cases: [(String, JSONValue)] = [
            ("base_fee", -1), ("base_fee", 1.5), ("base_fee", "10"), ("fee_per_byte", 1_000_001), ("mint_per_unit", -5),
            ("block_time_ms", 49), ("block_time_ms", 3_600_001), ("max_block_txs", 0), ("max_block_txs", 100_001),
            ("max_block_bytes", 1_023), ("max_block_bytes", .integer(JSONInteger(256 << 20 + 1))),
        ]
        for (member, value) in cases {
            #expect(Self.refusal(Self.withParam(member, value))?.hasPrefix("params.\(member): must be an integer in") == true, "\(member) = \(value)")
        }
        #expect(Self.refusal(Self.withParam("base_fee", nil)) == "params.base_fee: field required")
        #expect(Self.refusal(Self.withParam("mint_per_units", 5))?.hasPrefix("params: unknown member mint_per_units") == true)
        #expect(Self.refusal(Self.with("params", nil)) == "params: field required")
        #expect(Self.refusal(Self.with("params", [10, 1])) == "params: must be an object")
    }

    @Test func coordinatorRatioMustBeBetweenZeroAndOneExactly() {
        for ratio: JSONValue in [0, 1, 0.0, 1.0, 0.05, 0.999999999999999, 1e-20] {
            #expect(Self.refusal(Self.withParam("coordinator_ratio", ratio)) == nil, "\(ratio)")
        }
        // 1.0000000000001 exceeds 1 by less than 10⁻¹²: still above 1, still refused.
        for ratio: JSONValue in [1.0000000000001, 1.000000000001, 2, -0.1, "0.05", .null, 1e300] {
            #expect(Self.refusal(Self.withParam("coordinator_ratio", ratio)) == "params.coordinator_ratio: must be a number in 0…1", "\(ratio)")
        }
    }

    @Test func parametersReadBackWhatTheyWrite() throws {
        var parameters = ChainParameters()
        parameters.baseFee = 0
        parameters.feePerByte = 7
        parameters.mintPerUnit = 1
        parameters.coordinatorRatio = ExactDecimal(significand: 1, exponent: 0)
        parameters.blockTimeMilliseconds = 50
        parameters.maxBlockTransactions = 1
        parameters.maxBlockBytes = 1_024
        #expect(try ChainParameters(json: parameters.json) == parameters)
        #expect(try ChainParameters(json: ChainParameters().json) == ChainParameters())
    }

    @Test func notJSONOrNotAnObjectIsRefused() {
        #expect(throws: GenesisError.self) { try GenesisDocument(bytes: Array("{".utf8)) }
        #expect(Self.refusal(.array([])) == "must be a JSON object")
    }
}
