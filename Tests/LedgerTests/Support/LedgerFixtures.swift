import Cryptography
import Foundation
import JSON
import Ledger
import Receipts
import Testing
import WireModels

/// The vectors file (`Vectors/ledger_vectors.json`, computed by `Vectors/ledger_vectors.py`
/// with Python's hashlib, `cryptography` and its own bech32, never by the code under test).
enum LedgerVectors {
    static func load() throws -> JSONValue {
        let url = try #require(Bundle.module.url(forResource: "ledger_vectors", withExtension: "json", subdirectory: "Vectors"))
        return try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(Array(try Data(contentsOf: url)))
    }

    /// The string at `path` (member names), or a recorded failure.
    static func string(_ document: JSONValue, _ path: String...) throws -> String {
        var value: JSONValue? = document
        for key in path { value = value?[key] }
        return try #require(value?.stringValue, "vector \(path.joined(separator: ".")) missing")
    }
}

/// Keys made from fixed seeds, so every id and signature in these tests is reproducible.
enum Keys {
    /// RFC 8032 §7.1 test 1, 2 and 3 seeds (the vectors file uses the same).
    static let alice = key("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    static let bob = key("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
    static let proposer = key("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7")
    static let coordinator = key(String(repeating: "11", count: 32))
    static let otherCoordinator = key(String(repeating: "22", count: 32))
    static let miner = key(String(repeating: "33", count: 32))
    static let otherMiner = key(String(repeating: "44", count: 32))

    /// The key of a seed given as hex (the seeds above are valid, so this never fails).
    static func key(_ seedHex: String) -> Ed25519.PrivateKey {
        do {
            return try Ed25519.PrivateKey(seedHex: seedHex)
        } catch {
            preconditionFailure("test seed \(seedHex): \(error)")
        }
    }

    /// Key number `index` of a family: seed = SHA-256("<family>-<index>").
    static func numbered(_ index: Int, family: String = "account") -> Ed25519.PrivateKey {
        do {
            return try Ed25519.PrivateKey(seedBytes: SHA256.hash(utf8: "\(family)-\(index)"))
        } catch {
            preconditionFailure("derived seed: \(error)")
        }
    }

    static func address(_ key: Ed25519.PrivateKey) -> Address { Address(publicKey: key.publicKey) }
}

/// SplitMix64: a small seeded generator, so random tests replay exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

extension JSONValue {
    /// This object with member `key` set to `value` (appended when new, removed when nil).
    func setting(_ key: String, _ value: JSONValue?) -> JSONValue {
        guard case .object(var members) = self else { return self }
        if let index = members.firstIndex(where: { $0.key == key }) {
            if let value { members[index].value = value } else { members.remove(at: index) }
        } else if let value {
            members.append(JSONMember(key: key, value: value))
        }
        return .object(members)
    }
}

/// A receipt built the way the coordinator builds one (Coordinator's `ReceiptFactory` and
/// `JobCompletion`): the miner signs its work claim, the coordinator embeds the claim and the
/// miner's signature in `metadata` and signs the whole receipt with `ReceiptSigner`.
struct ReceiptFixture {
    static let jobID = "0123456789abcdef0123456789abcdef"
    static let minerID = "miner-0a1b2c3d4e5f"
    static let unitType = "gpu_seconds"

    var coordinator = Keys.coordinator
    var miner = Keys.miner
    var receiptID: String
    var jobID = ReceiptFixture.jobID
    var minerID = ReceiptFixture.minerID
    var units: JSONValue
    var unitType = ReceiptFixture.unitType
    /// The work claim as the miner signs it; starts equal to the receipt's facts.
    var claim: JSONValue
    /// Applied to the claim after the miner signed it and before the coordinator signs.
    var afterMinerSigned: ((JSONValue) -> JSONValue)?
    /// Whether `work_claim` and `miner_signature` go into the metadata at all.
    var embedsClaim = true
    /// Signs the claim; defaults to `miner`.
    var claimSigner: Ed25519.PrivateKey?

    init(receiptID: String = "fedcba9876543210fedcba9876543210", units: JSONValue = .float(12.5), payoutAddress: Address? = nil) {
        self.receiptID = receiptID
        self.units = units
        var claim = Self.workClaim(jobID: Self.jobID, minerID: Self.minerID, units: units, unitType: Self.unitType)
        if let payoutAddress { claim = claim.setting("payout_address", payoutAddress.json) }
        self.claim = claim
    }

    static let result: JSONValue = ["output": "hi"]

    /// The members of `WorkClaim.json`, with `units` exactly as given.
    static func workClaim(jobID: String, minerID: String, units: JSONValue, unitType: String) -> JSONValue {
        let hash = (try? WorkClaim.resultHash(of: result)) ?? ""
        return [
            "job_id": .string(jobID), "miner_id": .string(minerID), "result_hash": .string(hash), "units": units,
            "unit_type": .string(unitType), "duration_ms": 12_000, "completed_at": 1_727_400_012,
        ]
    }

    /// The signed receipt JSON (what `payload.receipt` carries).
    func make() throws -> JSONValue {
        let minerSignature = ReceiptSignature(signing: try CanonicalJSON.bytes(of: claim), with: claimSigner ?? miner).json
        let embedded = afterMinerSigned?(claim) ?? claim
        var metadata: [JSONMember] = [
            JSONMember(key: "job_payload", value: ["type": "echo", "message": "hi"]),
            JSONMember(key: "job_constraints", value: .object([])),
            JSONMember(key: "result", value: Self.result),
            JSONMember(key: "metrics", value: ["duration_ms": 12_000]),
        ]
        if embedsClaim {
            metadata.append(JSONMember(key: "work_claim", value: embedded))
            metadata.append(JSONMember(key: "miner_signature", value: minerSignature))
        }
        metadata.append(JSONMember(key: "requested_at", value: 1_727_399_990))
        let members: [JSONMember] = [
            JSONMember(key: "version", value: "1.0"),
            JSONMember(key: "receipt_id", value: .string(receiptID)),
            JSONMember(key: "job_id", value: .string(jobID)),
            JSONMember(key: "provider", value: .string(minerID)),
            JSONMember(key: "client", value: "client-1"),
            JSONMember(key: "units", value: units),
            JSONMember(key: "unit_type", value: .string(unitType)),
            JSONMember(key: "price", value: 0.25),
            JSONMember(key: "started_at", value: 1_727_400_000),
            JSONMember(key: "completed_at", value: 1_727_400_012),
            JSONMember(key: "duration_ms", value: 12_000),
            JSONMember(key: "artifact_hash", value: .string("sha256:" + String(repeating: "ab", count: 32))),
            JSONMember(key: "coordinator_id", value: .string(coordinator.publicKey.keyID)),
            JSONMember(key: "metadata", value: .object(metadata)),
        ]
        return try ReceiptSigner(key: coordinator).sign(Receipt(payload: members)).json
    }
}

/// A small chain: alice and bob funded in genesis, one authority (the proposer), the
/// coordinator key pinned, default parameters.
struct ChainFixture {
    static let chainID = "ait-devnet"
    static let aliceBalance: UInt64 = 1_000_000

    var genesis: GenesisDocument
    var ledger: InMemoryLedger
    var rules: ReceiptClaimRules { ReceiptClaimRules(coordinatorKeys: genesis.coordinatorKeys, parameters: genesis.parameters) }
    var proposer: Address { Keys.address(Keys.proposer) }

    init(accounts: [GenesisDocument.Account]? = nil, parameters: ChainParameters = ChainParameters()) {
        genesis = GenesisDocument(
            chainID: Self.chainID, timestamp: 1_727_400_000, authorities: [.init(publicKey: Keys.proposer.publicKey)],
            accounts: accounts ?? [
                .init(address: Keys.address(Keys.alice), balance: Self.aliceBalance), .init(address: Keys.address(Keys.bob), balance: 500),
            ],
            parameters: parameters, coordinatorKeys: [Keys.coordinator.publicKey])
        ledger = InMemoryLedger(genesis: genesis)
    }

    /// A block over the committed ledger.
    func block(proposer: Address? = nil) throws -> BlockExecution {
        try BlockExecution(parameters: genesis.parameters, rules: rules, proposer: proposer ?? self.proposer, reader: ledger)
    }

    /// The least fee for `payload`.
    func fee(for payload: TransactionPayload) throws -> UInt64 {
        try #require(FeeRule.estimate(type: payload.type, payload: payload.json, parameters: genesis.parameters)).fee
    }

    /// A signed, verified transaction from `key` (fee: the minimum unless given).
    func transaction(_ key: Ed25519.PrivateKey, nonce: UInt64, fee: UInt64? = nil, _ payload: TransactionPayload) throws -> VerifiedTransaction {
        let message = try TransactionMessage.make(
            chainID: Self.chainID, key: key, nonce: nonce, fee: try fee ?? self.fee(for: payload), payload: payload)
        return try VerifiedTransaction(message, chainID: Self.chainID)
    }

    func transfer(_ key: Ed25519.PrivateKey, to: Address, amount: UInt64, nonce: UInt64, fee: UInt64? = nil) throws -> VerifiedTransaction {
        try transaction(key, nonce: nonce, fee: fee, .transfer(to: to, amount: amount))
    }

    func claim(_ key: Ed25519.PrivateKey, receipt: JSONValue, nonce: UInt64, fee: UInt64? = nil) throws -> VerifiedTransaction {
        try transaction(key, nonce: nonce, fee: fee, .receiptClaim(receipt: receipt))
    }
}

extension BlockExecution {
    /// The rejection `apply` threw, or nil when it applied.
    mutating func rejection(_ transaction: VerifiedTransaction) -> TxRejection? {
        do {
            try apply(transaction)
            return nil
        } catch {
            if case .rejected(let rejection) = error { return rejection }
            Issue.record("storage failure: \(error)")
            return nil
        }
    }
}
