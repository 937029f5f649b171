import AITBCClient
import ChainNode
import ChainNodeTestSupport
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

/// The claim tests' chain node: one authority on a loopback port with a coordinator key
/// pinned in genesis; `produceBlock` commits the mempool when a test says so, or the wall
/// clock produces blocks every `block_time_ms`.
enum ClaimTestNode {
    static let chainID = "ait-claims"

    /// Cheap claims: a receipt of 1 unit mints 1,000,000 and a claim costs 10 plus 1 per payload byte.
    static var parameters: ChainParameters {
        var parameters = ChainParameters()
        parameters.mintPerUnit = 1_000_000
        parameters.blockTimeMilliseconds = 100
        return parameters
    }

    /// A node whose genesis pins `coordinator`'s key and funds `accounts`.
    /// - Parameter producing: blocks every `block_time_ms` by the wall clock; else only `produceBlock`.
    static func start(
        coordinator: Ed25519.PrivateKey, accounts: [Address: UInt64] = [:], parameters: ChainParameters = ClaimTestNode.parameters,
        producing: Bool = false
    ) async throws -> LoopbackChainNode {
        try await LoopbackChainNode(
            chainID: chainID, directoryPrefix: "aitbc-miner-claims-chain", accounts: accounts, parameters: parameters,
            coordinatorKeys: [coordinator.publicKey], producing: producing)
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
