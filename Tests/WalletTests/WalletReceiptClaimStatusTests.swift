import AITBCClient
import ChainNodeTestSupport
import Cryptography
import JSON
import Ledger
import Receipts
import Testing
import Wallet
import WireModels

/// Issue 15 Deliver 5: a job's receipts are reported with whether each was claimed on chain,
/// asked of a real chain node; unknown (member left out) when the node cannot answer.
@Suite struct WalletReceiptClaimStatusTests {
    /// A coordinator receipt as the coordinator issues it: the miner's signed work claim in its
    /// metadata and `coordinator`'s signature over the canonical bytes; ids from `name`.
    static func receipt(_ name: String, miner: Ed25519.PrivateKey, coordinator: Ed25519.PrivateKey) throws -> (JSONValue, String) {
        let hash = Hex.encode(SHA256.hash(Array(name.utf8)))
        let jobID = String(hash.prefix(32))
        let receiptID = String(hash.suffix(32))
        var claim = WorkClaim(
            jobID: jobID, minerID: "miner-1", resultHash: "sha256:" + String(repeating: "0", count: 64), units: 2,
            unitType: "cpu_seconds", durationMilliseconds: 1_000, completedAt: 1_800_000_100)
        claim.payoutAddress = Address(publicKey: miner.publicKey).rawValue
        let members: [JSONMember] = [
            JSONMember(key: "version", value: "1.0"), JSONMember(key: "receipt_id", value: .string(receiptID)),
            JSONMember(key: "job_id", value: .string(jobID)), JSONMember(key: "provider", value: "miner-1"),
            JSONMember(key: "client", value: "client-1"), JSONMember(key: "units", value: .float(2)),
            JSONMember(key: "unit_type", value: "cpu_seconds"), JSONMember(key: "started_at", value: 1_800_000_000),
            JSONMember(key: "completed_at", value: 1_800_000_100),
            JSONMember(
                key: "metadata",
                value: .object([JSONMember(key: "work_claim", value: claim.json), JSONMember(key: "miner_signature", value: try claim.sign(with: miner).json)])),
        ]
        let signature = ReceiptSignature(signing: try CanonicalJSON.receiptBytes(members: members), with: coordinator)
        return (.object(members + [JSONMember(key: "signature", value: signature.json)]), receiptID)
    }

    @Test func eachReceiptOfAJobSaysWhetherItWasClaimedOnChain() async throws {
        let coordinator = try testKey(7)
        let miner = try testKey(8)
        let node = try await ChainTestNode.start(accounts: [Address(publicKey: miner.publicKey): 1_000_000], coordinatorKeys: [coordinator.publicKey])
        let (claimed, claimedID) = try Self.receipt("claimed", miner: miner, coordinator: coordinator)
        let (unclaimed, unclaimedID) = try Self.receipt("unclaimed", miner: miner, coordinator: coordinator)
        _ = try await node.client.claim(receipt: claimed, key: miner)
        try await node.produceBlock()
        let daemon = try await WalletTestDaemon.start(
            { configuration in
                configuration.ledger = .chain
                configuration.chainRPCURL = node.baseURL
                configuration.chainID = ChainTestNode.chainID
                configuration.trustedReceiptKeys = [coordinator.publicKey]
            }, receipts: FixedReceipts(receipts: ["job": [claimed, unclaimed]]))
        let history = try await daemon.get("/v1/receipts/job/history")
        let items = try #require(history.body["items"]?.arrayValue)
        #expect(items.map { $0["receipt_id"]?.stringValue } == [claimedID, unclaimedID])
        #expect(items.map { $0["claimed_on_chain"] } == [.bool(true), .bool(false)])
        #expect(items.allSatisfy { $0["all_valid"] == true && $0["miner_signature"]?["trusted"] == true })
        #expect(try await daemon.get("/v1/receipts/job").body["result"]?["claimed_on_chain"] == false)
        // The node gone: not known, so not said.
        await node.stop()
        let away = try await daemon.get("/v1/receipts/job/history")
        #expect(away.status == 200)
        #expect(try #require(away.body["items"]?.arrayValue).allSatisfy { $0["claimed_on_chain"] == nil })
        await daemon.stop()
    }
}
