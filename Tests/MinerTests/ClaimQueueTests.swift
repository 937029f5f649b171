import AITBCClient
import ChainNode
import ChainNodeTestSupport
import Cryptography
import Foundation
import JSON
import Ledger
import TestSupport
import Testing
import WireModels

@testable import Miner

/// The receipt-claim queue (`ReceiptClaimer` over `ReceiptClaimStore`) against a real chain node
/// whose blocks the tests produce: claims are on disk before they are sent, go out in nonce
/// order, resume after a restart with the same transaction, are never sent again once settled,
/// end on `RECEIPT_ALREADY_CLAIMED`, and are signed anew after a stale nonce.
@Suite struct ClaimQueueTests {
    let coordinator = Ed25519.PrivateKey.generate()
    let miner = Ed25519.PrivateKey.generate()
    var minerAddress: Address { Address(publicKey: miner.publicKey) }

    /// A workspace root of its own (removed when the value goes) and the claims under it.
    final class Workspace: Sendable {
        let directory: TemporaryDirectory
        let store: ReceiptClaimStore

        init() throws {
            directory = try TemporaryDirectory(prefix: "aitbc-miner-claims")
            store = ReceiptClaimStore(workspaceRoot: directory.url.path)
        }
    }

    @Test func claimsAreOnDiskBeforeTheyAreSentAndGoOutInNonceOrder() async throws {
        let node = try await ClaimTestNode.start(coordinator: coordinator)
        let workspace = try Workspace()
        let store = workspace.store
        let logs = LogCapture()
        let claimer = claimTestClaimer(url: node.baseURL, key: miner, store: store, logs: logs)
        let names = ["a", "b", "c"]
        for name in names {
            #expect(await claimer.record(receipt: try claimTestReceipt(name: name, miner: miner, signer: coordinator), jobID: jid("job-\(name)")))
            let written = try #require(store.read(claimTestReceiptID(name)))
            #expect(written.state == .pending && written.transaction == nil && !written.submitted)
        }
        // The same receipt learned again (a replayed report's answer) is claimed once.
        #expect(!(await claimer.record(receipt: try claimTestReceipt(name: "a", miner: miner, signer: coordinator), jobID: jid("job-a"))))
        #expect(FileManager.default.fileExists(atPath: workspace.directory.path("claims/\(claimTestReceiptID("a").rawValue).json")))

        #expect(await claimer.round() == .waiting)
        let sent = names.compactMap { store.read(claimTestReceiptID($0)) }
        #expect(sent.count == 3 && sent.allSatisfy { $0.submitted && $0.state == .pending })
        #expect(Set(sent.compactMap { $0.transaction?.nonce }) == [1, 2, 3])
        #expect(sent.allSatisfy { $0.transaction?.sender == minerAddress && $0.transaction?.chainID == ClaimTestNode.chainID })
        #expect(logs.events("receipt_claim_submitted").count == 3)
        // Still in the mempool: polled, not sent again.
        #expect(await claimer.round() == .waiting)
        #expect(logs.events("receipt_claim_submitted").count == 3)

        let height = try await node.produceBlock()
        #expect(await claimer.round() == .idle)
        let included = names.compactMap { store.read(claimTestReceiptID($0)) }
        #expect(included.allSatisfy { $0.state == .included && $0.blockHeight == height })
        #expect(logs.events("receipt_claim_included").count == 3)
        let fees = sent.compactMap { $0.transaction?.fee }.reduce(0, +)
        #expect(try await node.balance(minerAddress) == 3 * minted(units: 1.5) - fees)
        #expect(claimer.pendingClaims.isEmpty)
        await claimer.shutdown()
        await node.stop()
        withExtendedLifetime(workspace) {}
    }

    @Test func aPendingClaimResumesAfterARestartWithTheSameTransaction() async throws {
        let node = try await ClaimTestNode.start(coordinator: coordinator)
        let workspace = try Workspace()
        let store = workspace.store
        let receipt = try claimTestReceipt(name: "resume", miner: miner, signer: coordinator)
        let id = claimTestReceiptID("resume")

        // First life: the node is away; the receipt is kept, nothing is signed yet.
        let away = claimTestClaimer(url: closedChainURL, key: miner, store: store, logs: LogCapture())
        #expect(await away.record(receipt: receipt, jobID: jid("job-resume")))
        #expect(await away.round() == .retry)
        #expect(store.read(id)?.transaction == nil)
        await away.shutdown()

        // Second life: signed, written, sent.
        let secondLogs = LogCapture()
        let second = claimTestClaimer(url: node.baseURL, key: miner, store: store, logs: secondLogs)
        #expect(await second.round() == .waiting)
        #expect(!secondLogs.events("receipt_claims_resumed").isEmpty)
        let sent = try #require(store.read(id))
        let hash = try #require(sent.txHash)
        #expect(sent.submitted)
        await second.shutdown()

        // Third life: the same transaction is polled until its block, never signed anew.
        let thirdLogs = LogCapture()
        let third = claimTestClaimer(url: node.baseURL, key: miner, store: store, logs: thirdLogs)
        #expect(await third.round() == .waiting)
        try await node.produceBlock()
        #expect(await third.round() == .idle)
        let done = try #require(store.read(id))
        #expect(done.state == .included && done.txHash == hash)
        #expect(thirdLogs.events("receipt_claim_submitted").isEmpty && thirdLogs.events("receipt_claim_reprepared").isEmpty)
        #expect(try await node.service.chain.receipt(id).txHash == hash)
        await third.shutdown()
        await node.stop()
        withExtendedLifetime(workspace) {}
    }

    @Test func aSettledClaimIsNeverSentAgain() async throws {
        let node = try await ClaimTestNode.start(coordinator: coordinator)
        let workspace = try Workspace()
        let store = workspace.store
        let receipt = try claimTestReceipt(name: "settled", miner: miner, signer: coordinator)
        let first = claimTestClaimer(url: node.baseURL, key: miner, store: store, logs: LogCapture())
        #expect(await first.record(receipt: receipt, jobID: jid("job-settled")))
        #expect(await first.round() == .waiting)
        try await node.produceBlock()
        #expect(await first.round() == .idle)
        await first.shutdown()
        let balance = try await node.balance(minerAddress)

        // A restarted miner whose node is away has nothing to send: any call would end the round in `.retry`.
        let restarted = claimTestClaimer(url: closedChainURL, key: miner, store: store, logs: LogCapture())
        #expect(await restarted.round() == .idle)
        #expect(!(await restarted.record(receipt: receipt, jobID: jid("job-settled"))))
        #expect(await restarted.round() == .idle)
        #expect(restarted.pendingClaims.isEmpty)
        #expect(store.read(claimTestReceiptID("settled"))?.state == .included)
        await restarted.shutdown()
        try await node.produceBlock()
        #expect(try await node.balance(minerAddress) == balance)
        await node.stop()
        withExtendedLifetime(workspace) {}
    }

    @Test func aReceiptClaimedByAnotherAccountIsDone() async throws {
        let other = Ed25519.PrivateKey.generate()
        let node = try await ClaimTestNode.start(coordinator: coordinator, accounts: [Address(publicKey: other.publicKey): 10_000_000])
        let workspace = try Workspace()
        let store = workspace.store
        let receipt = try claimTestReceipt(name: "taken", miner: miner, signer: coordinator)
        // Anyone may send a claim; the chain still pays the work claim's payout address.
        _ = try await node.client.claim(receipt: receipt, key: other)
        try await node.produceBlock()

        let logs = LogCapture()
        let claimer = claimTestClaimer(url: node.baseURL, key: miner, store: store, logs: logs)
        #expect(await claimer.record(receipt: receipt, jobID: jid("job-taken")))
        #expect(await claimer.round() == .idle)
        let settled = try #require(store.read(claimTestReceiptID("taken")))
        #expect(settled.state == .claimedElsewhere)
        #expect(settled.error?.contains("RECEIPT_ALREADY_CLAIMED") == true)
        #expect(logs.events("receipt_claim_already_claimed").count == 1)
        #expect(await claimer.round() == .idle)
        #expect(try await node.balance(minerAddress) == minted(units: 1.5))
        await claimer.shutdown()
        await node.stop()
        withExtendedLifetime(workspace) {}
    }

    /// A claim written with its nonce before a crash, whose nonce the account used meanwhile
    /// (`NONCE_TOO_LOW`), or one that skips ahead (`NONCE_GAP`), is signed anew with the
    /// node's next nonce; the old transaction was refused, so only the new one is ever in flight.
    @Test func aStaleNonceIsPreparedAgain() async throws {
        let node = try await ClaimTestNode.start(coordinator: coordinator, accounts: [minerAddress: 10_000_000])
        let workspace = try Workspace()
        let store = workspace.store
        var staleHashes: [TxHash] = []
        for (name, nonce) in [("used", UInt64(1)), ("ahead", UInt64(7))] {
            let receipt = try claimTestReceipt(name: name, miner: miner, signer: coordinator)
            var claim = ReceiptClaim(receiptID: claimTestReceiptID(name), jobID: jid("job-\(name)"), receipt: receipt, recordedAt: 1)
            let transaction = try TransactionMessage.make(
                chainID: ClaimTestNode.chainID, key: miner, nonce: nonce, fee: 5_000, payload: .receiptClaim(receipt: receipt))
            claim.transaction = transaction
            claim.txHash = try transaction.transactionID()
            staleHashes.append(try transaction.transactionID())
            try store.write(claim)
        }
        // Meanwhile the operator spent nonce 1 from the miner's account.
        _ = try await node.client.transfer(from: miner, to: Address(publicKey: coordinator.publicKey), amount: 1)
        try await node.produceBlock()

        let logs = LogCapture()
        let claimer = claimTestClaimer(url: node.baseURL, key: miner, store: store, logs: logs)
        #expect(await claimer.round() == .waiting)
        let used = try #require(store.read(claimTestReceiptID("used")))
        let ahead = try #require(store.read(claimTestReceiptID("ahead")))
        #expect(used.transaction?.nonce == 2 && ahead.transaction?.nonce == 3)
        #expect(used.txHash != staleHashes[0] && ahead.txHash != staleHashes[1])
        #expect(Set(logs.events("receipt_claim_reprepared").compactMap { $0["reason"]?.stringValue }) == ["NONCE_TOO_LOW", "NONCE_GAP"])
        try await node.produceBlock()
        #expect(await claimer.round() == .idle)
        #expect(store.read(claimTestReceiptID("used"))?.state == .included && store.read(claimTestReceiptID("ahead"))?.state == .included)
        for hash in staleHashes {
            await #expect(throws: AITBCError.self) { _ = try await node.client.transaction(hash) }
        }
        await claimer.shutdown()
        await node.stop()
        withExtendedLifetime(workspace) {}
    }

    @Test func aReceiptTheChainRefusesFails() async throws {
        let node = try await ClaimTestNode.start(coordinator: coordinator)
        let workspace = try Workspace()
        let store = workspace.store
        let logs = LogCapture()
        let claimer = claimTestClaimer(url: node.baseURL, key: miner, store: store, logs: logs)
        // Signed by a key genesis does not pin.
        let forged = try claimTestReceipt(name: "forged", miner: miner, signer: Ed25519.PrivateKey.generate())
        #expect(await claimer.record(receipt: forged, jobID: jid("job-forged")))
        #expect(await claimer.round() == .idle)
        let failed = try #require(store.read(claimTestReceiptID("forged")))
        #expect(failed.state == .failed && failed.error?.contains("UNKNOWN_COORDINATOR_KEY") == true)
        #expect(logs.events("receipt_claim_failed").count == 1)
        #expect(await claimer.round() == .idle)
        await claimer.shutdown()
        await node.stop()
        withExtendedLifetime(workspace) {}
    }

    /// A receipt that mints less than its claim's fee cannot pay for itself: it waits behind
    /// the others (re-signed with a later nonce) and is claimed once they have minted.
    @Test func aClaimTheAccountCannotPayYetWaitsBehindTheOthers() async throws {
        let node = try await ClaimTestNode.start(coordinator: coordinator)
        let workspace = try Workspace()
        let store = workspace.store
        let logs = LogCapture()
        let claimer = claimTestClaimer(url: node.baseURL, key: miner, store: store, logs: logs)
        let small = try claimTestReceipt(name: "small", miner: miner, signer: coordinator, units: 0.000001)
        #expect(await claimer.record(receipt: small, jobID: jid("job-small")))
        #expect(await claimer.round() == .retry)
        #expect(store.read(claimTestReceiptID("small"))?.transaction == nil)
        #expect(logs.events("receipt_claim_deferred").first?["error_code"]?.stringValue == "INSUFFICIENT_BALANCE")
        #expect(await claimer.record(receipt: try claimTestReceipt(name: "large", miner: miner, signer: coordinator), jobID: jid("job-large")))
        #expect(await claimer.round() == .waiting)
        #expect(store.read(claimTestReceiptID("large"))?.transaction?.nonce == 1)
        try await node.produceBlock()
        #expect(await claimer.round() == .waiting)
        #expect(store.read(claimTestReceiptID("small"))?.transaction?.nonce == 2)
        try await node.produceBlock()
        #expect(await claimer.round() == .idle)
        #expect(store.read(claimTestReceiptID("small"))?.state == .included && store.read(claimTestReceiptID("large"))?.state == .included)
        await claimer.shutdown()
        await node.stop()
        withExtendedLifetime(workspace) {}
    }
}
