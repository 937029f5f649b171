import AITBCClient
import ChainNodeTestSupport
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import ServiceRuntime
import TestSupport
import Testing
import WireModels

@testable import Miner

/// Issue 13 item 7 end to end: a real `aitbc-coordinator` signs the receipt of a job the miner
/// ran, and the miner (with `chain.url`) claims it on a real chain node producing blocks, so
/// the receipt turns into AIT at the miner's payout address.
@Suite(.serialized, .enabled(if: TestPaths.product("aitbc-coordinator") != nil, "aitbc-coordinator is not built"))
struct ClaimIntegrationTests {
    static let clientKey = "claims-client-key"
    /// The coordinator's receipt signing seed; the chain's genesis pins its public key.
    static let signingSeed = String(repeating: "17", count: 32)

    @Test func theMinersReceiptBecomesAITAtItsPayoutAddress() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-claims-integration")
        let coordinatorKey = try Ed25519.PrivateKey(seedHex: Self.signingSeed)
        let node = try await ClaimTestNode.start(coordinator: coordinatorKey, producing: true)
        let coordinator = try await CoordinatorProcess(
            binary: try #require(TestPaths.product("aitbc-coordinator")), dataDirectory: directory.path("coordinator"),
            settings: [
                "APP_ENV": "integration", "CLIENT_API_KEYS": "alice:\(Self.clientKey)", "MINER_API_KEYS": "\(agentTestNodeID):\(agentTestToken)",
                "ADMIN_API_KEYS": "ops:claims-admin", "RECEIPT_SIGNING_KEY_HEX": Self.signingSeed, "POLL_MAX_WAIT_SECONDS": "1",
            ],
            workDirectory: directory.url.path)
        // The harness hands the agent its own key; `key_file` only has to be set for `chain.url` to be accepted.
        let harness = try AgentHarness(
            baseURL: coordinator.baseURL, executor: ProbeExecutor(duration: .milliseconds(50)),
            flags: [
                "poll.max_wait_s": "1", "chain.url": node.baseURL, "chain.chain_id": ClaimTestNode.chainID, "chain.poll_interval_s": "0.05",
                "key_file": directory.path("unused.key.json"),
            ])
        let running = harness.start()

        let http = HTTPClient()
        let headers: HTTPHeaders = ["X-Api-Key": Self.clientKey, "Content-Type": "application/json"]
        let submit = try await http.post(
            "\(coordinator.baseURL)/jobs", body: Array(#"{"payload":{"type":"echo","input":"claim me"},"constraints":{},"ttl_seconds":600}"#.utf8),
            headers: headers)
        #expect(submit.status.code == 201)
        let jobID = try #require(try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(submit.body)["job_id"]?.stringValue)

        let store = ReceiptClaimStore(workspaceRoot: harness.workspace.url.path)
        #expect(await eventually { store.scan().first?.state == .included }, "claims: \(store.scan().map(\.state))")
        let claim = try #require(store.scan().first)
        #expect(claim.jobID == jobID)
        #expect(JobStateStore(root: harness.workspace.url.path).read(jobID: jobID)?.state == .done)

        // The coordinator's receipt of the job is the one the chain minted from.
        let receiptResponse = try await http.get("\(coordinator.baseURL)/jobs/\(jobID)/receipt", headers: headers)
        let receipt = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(receiptResponse.body)
        #expect(receipt["receipt_id"]?.stringValue == claim.receiptID.rawValue)
        let payout = Address(publicKey: harness.key.publicKey)
        let onChain = try await node.client.receipt(claim.receiptID)
        #expect(onChain.minerAddress == payout && onChain.txHash == claim.txHash && onChain.mintedAmount > 0)
        let fee = try #require(claim.transaction?.fee)
        #expect(try await node.balance(payout) == onChain.mintedAmount - fee)
        #expect(try await node.balance(Address(publicKey: coordinatorKey.publicKey)) == onChain.coordinatorAmount)
        #expect(harness.logs.events("receipt_claim_submitted").count == 1)
        #expect(harness.logs.events("receipt_claim_included").first?["receipt_id"]?.stringValue == claim.receiptID.rawValue)

        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
        await http.shutdown()
        await coordinator.stop()
        await node.stop()
    }
}
