import AITBCClient
import ChainNode
import Cryptography
import Foundation
import JSON
import Ledger
import Logging
import Receipts
import Synchronization
import TestSupport
import WireModels

@testable import Miner

/// A clock that never wakes the proposer: claim tests produce blocks themselves.
struct ManualChainClock: ChainClock {
    func nowMilliseconds() -> UInt64 { 1_800_000_000_000 }
    func sleep(milliseconds: UInt64) async throws {
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3_600)) }
        throw CancellationError()
    }
}

/// A one-authority chain node on a loopback port with a coordinator key pinned in genesis,
/// for the receipt-claim tests: `produceBlock` commits the mempool when a test says so
/// (`ManualChainClock`), or the wall clock produces blocks every `block_time_ms`.
final class ClaimTestNode: Sendable {
    static let chainID = "ait-claims"

    let directory: TemporaryDirectory
    let coordinator: Ed25519.PrivateKey
    let genesis: GenesisDocument
    let service: ChainNodeService
    let client: ChainClient
    private let nextBlockTime = Mutex<UInt64>(0)

    /// Cheap claims: a receipt of 1 unit mints 1,000,000 and a claim costs 10 plus 1 per payload byte.
    static var parameters: ChainParameters {
        var parameters = ChainParameters()
        parameters.mintPerUnit = 1_000_000
        parameters.blockTimeMilliseconds = 100
        return parameters
    }

    /// A node whose genesis pins `coordinator`'s key and funds `accounts`.
    /// - Parameter producing: blocks every `block_time_ms` by the wall clock; else only `produceBlock`.
    init(
        coordinator: Ed25519.PrivateKey, accounts: [Address: UInt64] = [:], parameters: ChainParameters = ClaimTestNode.parameters,
        producing: Bool = false
    ) async throws {
        directory = try TemporaryDirectory(prefix: "aitbc-miner-claims-chain")
        self.coordinator = coordinator
        let authority = try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 1, count: 32))
        let timestamp: UInt64 = producing ? UInt64(Date().timeIntervalSince1970) : 1_800_000_000
        genesis = GenesisDocument(
            chainID: Self.chainID, timestamp: timestamp, authorities: [GenesisDocument.Authority(publicKey: authority.publicKey)],
            accounts: accounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { GenesisDocument.Account(address: $0.key, balance: $0.value) },
            parameters: parameters, coordinatorKeys: [coordinator.publicKey])
        try genesis.validate()
        nextBlockTime.withLock { $0 = timestamp * 1_000 }
        let configuration = ChainNodeConfiguration(genesis: genesis, databasePath: directory.path("chain.db"), proposerKey: authority)
        let logger = Logger(label: "claims-chain") { _ in SwiftLogNoOpLogHandler() }
        service =
            producing
            ? try await ChainNodeService.open(configuration: configuration, logger: logger)
            : try await ChainNodeService.open(configuration: configuration, clock: ManualChainClock(), logger: logger)
        try await service.start()
        client = ChainClient(configuration: ChainConfiguration(baseURL: "http://127.0.0.1:\(service.port ?? 0)", chainID: Self.chainID))
    }

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { client.transport.configuration.baseURL }

    /// Commits the mempool in a block (`block_time_ms` after the last one); its height.
    @discardableResult
    func produceBlock() async throws -> UInt64 {
        let time = nextBlockTime.withLock { time in
            time += genesis.parameters.blockTimeMilliseconds
            return time
        }
        return try await service.chain.produceBlock(timeMilliseconds: time).block.height
    }

    /// The balance of `address` on the chain.
    func balance(_ address: Address) async throws -> UInt64 { try await service.chain.account(address).balance }

    /// Stops the node and its client.
    func stop() async {
        await client.shutdown()
        await service.shutdown()
    }
}

/// What a claim of `units` mints at `ClaimTestNode.parameters`: the miner's part.
func minted(units: Double) -> UInt64 { UInt64((units * 1_000_000).rounded(.down)) }

/// A coordinator receipt as the coordinator issues it: the miner's signed work claim (paying
/// `payout`, else the miner key's address) in its metadata, `signer`'s signature over the
/// canonical bytes. `name` gives the receipt and job ids (`jid`).
func claimTestReceipt(name: String, miner: Ed25519.PrivateKey, signer: Ed25519.PrivateKey, units: Double = 1.5, payout: Address? = nil) throws
    -> JSONValue
{
    let jobID = jid("job-\(name)")
    var claim = WorkClaim(
        jobID: jobID, minerID: agentTestNodeID, resultHash: "sha256:" + String(repeating: "0", count: 64), units: units,
        unitType: "cpu_seconds", durationMilliseconds: 1_000, completedAt: 1_800_000_100)
    claim.payoutAddress = (payout ?? Address(publicKey: miner.publicKey)).rawValue
    let minerSignature = try claim.sign(with: miner)
    let members: [JSONMember] = [
        JSONMember(key: "version", value: "1.0"), JSONMember(key: "receipt_id", value: .string(jid("receipt-\(name)"))),
        JSONMember(key: "job_id", value: .string(jobID)), JSONMember(key: "provider", value: .string(agentTestNodeID)),
        JSONMember(key: "client", value: "client-1"), JSONMember(key: "units", value: .float(units)),
        JSONMember(key: "unit_type", value: "cpu_seconds"), JSONMember(key: "started_at", value: 1_800_000_000),
        JSONMember(key: "completed_at", value: 1_800_000_100),
        JSONMember(
            key: "metadata",
            value: .object([JSONMember(key: "work_claim", value: claim.json), JSONMember(key: "miner_signature", value: minerSignature.json)])),
    ]
    let signature = ReceiptSignature(signing: try CanonicalJSON.receiptBytes(members: members), with: signer)
    return .object(members + [JSONMember(key: "signature", value: signature.json)])
}

/// The receipt id `claimTestReceipt(name:…)` carries.
func claimTestReceiptID(_ name: String) -> ReceiptID {
    guard let id = ReceiptID(jid("receipt-\(name)")) else { preconditionFailure("jid gives 32 lowercase hex") }
    return id
}

/// A claimer of `key` sending to `url` (a closed port stands for a node that is away), with
/// short pauses; claims kept in `store`.
func claimTestClaimer(url: String, key: Ed25519.PrivateKey, store: ReceiptClaimStore, logs: LogCapture) -> ReceiptClaimer {
    let chain = ChainClient(
        configuration: ChainConfiguration(
            baseURL: url, chainID: ClaimTestNode.chainID, timeout: .seconds(5), connectTimeout: .seconds(2), maxRetries: 0))
    return ReceiptClaimer(
        chain: chain, key: key, store: store, backoff: Backoff(minimum: .milliseconds(10), maximum: .milliseconds(50)),
        pollInterval: .milliseconds(20), logger: logs.logger)
}

/// A URL nothing listens on: connections are refused at once.
let closedChainURL = "http://127.0.0.1:1"
