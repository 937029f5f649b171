import ChainNode
import Cryptography
import Foundation
import JSON
import Ledger
import Logging
import Receipts
import TestSupport
import WireModels

/// A one-authority chain on a temporary SQLite file: keys for the authority, a funded faucet
/// account, a coordinator key pinned in genesis, and helpers to sign transactions and make
/// coordinator receipts the way the coordinator does.
struct ChainFixture {
    let directory: TemporaryDirectory
    let authority: Ed25519.PrivateKey
    let faucet: Ed25519.PrivateKey
    let coordinator: Ed25519.PrivateKey
    let genesis: GenesisDocument
    var databasePath: String { directory.path("chain.db") }

    static let faucetBalance: UInt64 = 1_000_000_000

    init(
        parameters: ChainParameters = ChainParameters(), extraAccounts: [GenesisDocument.Account] = [], timestamp: UInt64 = 1_800_000_000,
        extraAuthorities: [Ed25519.PrivateKey] = []
    ) throws {
        directory = try TemporaryDirectory(prefix: "chain-test")
        authority = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 1, count: 32))
        faucet = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 2, count: 32))
        coordinator = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 3, count: 32))
        var parameters = parameters
        parameters.blockTimeMilliseconds = max(50, parameters.blockTimeMilliseconds)
        genesis = GenesisDocument(
            chainID: "ait-test", timestamp: timestamp,
            authorities: ([authority] + extraAuthorities).map { GenesisDocument.Authority(publicKey: $0.publicKey) },
            accounts: [GenesisDocument.Account(address: Address(publicKey: faucet.publicKey), balance: Self.faucetBalance)] + extraAccounts,
            parameters: parameters, coordinatorKeys: [coordinator.publicKey])
        try genesis.validate()
    }

    func open(proposer: Bool = true, limits: Mempool.Limits = Mempool.Limits()) async throws -> Chain {
        try await Chain.open(
            path: databasePath, genesis: genesis, proposerKey: proposer ? authority : nil, mempoolLimits: limits,
            logger: Logger(label: "chain-test"))
    }

    /// The error `chain` refuses `transaction` with, or nil when it admits it.
    static func refusal(_ chain: Chain, _ transaction: TransactionMessage) async -> ChainError? {
        do {
            _ = try await chain.submit(transaction)
            return nil
        } catch {
            return error
        }
    }

    static func address(_ key: Ed25519.PrivateKey) -> Address { Address(publicKey: key.publicKey) }

    func transfer(from key: Ed25519.PrivateKey, to: Address, amount: UInt64, nonce: UInt64, fee: UInt64? = nil, chainID: String? = nil) throws
        -> TransactionMessage
    {
        let payload = TransactionPayload.transfer(to: to, amount: amount)
        let minimum = FeeRule.estimate(payload: payload.json, parameters: genesis.parameters)?.fee ?? 0
        return try TransactionMessage.make(chainID: chainID ?? genesis.chainID, key: key, nonce: nonce, fee: fee ?? minimum, payload: payload)
    }

    func claim(_ receipt: JSONValue, from key: Ed25519.PrivateKey, nonce: UInt64, fee: UInt64? = nil) throws -> TransactionMessage {
        let payload = TransactionPayload.receiptClaim(receipt: receipt)
        let minimum = FeeRule.estimate(type: .receiptClaim, payload: payload.json, parameters: genesis.parameters)?.fee ?? 0
        return try TransactionMessage.make(chainID: genesis.chainID, key: key, nonce: nonce, fee: fee ?? minimum, payload: payload)
    }

    /// A receipt as the coordinator issues it: the miner's signed work claim in metadata, the
    /// coordinator's signature over the canonical bytes.
    func receipt(
        miner: Ed25519.PrivateKey, units: Double = 12.5, receiptID: String = String(repeating: "a", count: 32), signer: Ed25519.PrivateKey? = nil,
        payout: Address? = nil, claimUnits: Double? = nil
    ) throws -> JSONValue {
        let jobID = String(repeating: "b", count: 32)
        var claim = WorkClaim(
            jobID: jobID, minerID: "miner-1", resultHash: "sha256:" + String(repeating: "0", count: 64), units: claimUnits ?? units,
            unitType: "gpu_seconds", durationMilliseconds: 1_000, completedAt: 1_800_000_100)
        claim.payoutAddress = payout?.rawValue
        let claimSignature = try claim.sign(with: miner)
        let payload: [JSONMember] = [
            JSONMember(key: "version", value: "1.0"), JSONMember(key: "receipt_id", value: .string(receiptID)),
            JSONMember(key: "job_id", value: .string(jobID)), JSONMember(key: "provider", value: "miner-1"),
            JSONMember(key: "client", value: "client-1"), JSONMember(key: "units", value: .float(units)),
            JSONMember(key: "unit_type", value: "gpu_seconds"), JSONMember(key: "started_at", value: 1_800_000_000),
            JSONMember(key: "completed_at", value: 1_800_000_100),
            JSONMember(key: "metadata", value: .object([
                JSONMember(key: "work_claim", value: claim.json), JSONMember(key: "miner_signature", value: claimSignature.json),
            ])),
        ]
        let canonical = try CanonicalJSON.receiptBytes(members: payload)
        let signature = ReceiptSignature(signing: canonical, with: signer ?? coordinator)
        return .object(payload + [JSONMember(key: "signature", value: signature.json)])
    }
}
