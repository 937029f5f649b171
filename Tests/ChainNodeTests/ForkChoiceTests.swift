import ChainNode
import Cryptography
import Foundation
import Ledger
import Logging
import MetricsTestKit
import TestSupport
import Testing
import WireModels

/// N12: conflicting blocks at one height — the lower slot offset wins, equal offsets are an
/// equivocation (first seen kept), a winning branch deeper than MAX_REORG_DEPTH leaves the node
/// divergent — and the reorg itself: one transaction, undo rows, the mempool and the state tree
/// in step.
@Suite struct ForkChoiceTests {
    /// Block 1 (keys[1]'s slot) is shared. Then `theirs` (keys[2]) made block 2 in its own slot
    /// (offset 0) with a faucet transfer, but `ours` (keys[0]) did not see it: it took height 2
    /// as the backup (offset 1) with the spender's transfer and a miner's receipt claim, and
    /// height 3 in its own slot with a second transfer.
    struct Fork {
        let network: AuthorityNetwork
        let ours: Chain
        let theirs: Chain
        let oursMetrics: TestMetrics
        let theirsMetrics: TestMetrics
        /// Block 1's time.
        let t1: UInt64
        /// The transactions only our branch holds.
        let ourTransactions: [TxHash]
    }

    func fork(maxReorgDepth: UInt64 = 16) async throws -> Fork {
        let network = try AuthorityNetwork()
        let base = network.base
        let shared = try await network.open("b", authority: 1)
        let t1 = network.start + 2_000
        _ = try await shared.produceBlock(timeMilliseconds: t1)
        let block1 = try await AuthorityNetwork.offered(shared, height: 1)
        let oursMetrics = TestMetrics()
        let theirsMetrics = TestMetrics()
        let ours = try await network.open("a", authority: 0, metrics: oursMetrics, forkChoice: .init(maxReorgDepth: maxReorgDepth))
        let theirs = try await network.open("c", authority: 2, metrics: theirsMetrics)
        #expect(try await ours.offerBranch([block1]) == .extended(1))
        #expect(try await theirs.offerBranch([block1]) == .extended(1))

        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        let miner = Ed25519.PrivateKey.generate()
        var ourTransactions: [TxHash] = []
        ourTransactions.append(try await ours.submit(try base.transfer(from: network.spender, to: bob, amount: 100, nonce: 1)).txHash)
        ourTransactions.append(try await ours.submit(try base.claim(try base.receipt(miner: miner), from: miner, nonce: 1)).txHash)
        #expect(try await ours.produceBlock(timeMilliseconds: t1 + 6_000).included.count == 2)
        ourTransactions.append(try await ours.submit(try base.transfer(from: network.spender, to: bob, amount: 200, nonce: 2)).txHash)
        #expect(try await ours.produceBlock(timeMilliseconds: t1 + 8_000).included.count == 1)

        _ = try await theirs.submit(try base.transfer(from: base.faucet, to: bob, amount: 7, nonce: 1))
        #expect(try await theirs.produceBlock(timeMilliseconds: t1 + 2_000).included.count == 1)
        return Fork(
            network: network, ours: ours, theirs: theirs, oursMetrics: oursMetrics, theirsMetrics: theirsMetrics, t1: t1,
            ourTransactions: ourTransactions)
    }

    @Test func aLowerOffsetBranchReplacesOursAndLeavesWhatAFreshNodeOfThatBranchHolds() async throws {
        let fork = try await fork()
        let log = EventLog(fork.ours)
        let branch = try await AuthorityNetwork.offered(fork.theirs, 1...2)
        #expect(try await fork.ours.offerBranch(branch) == .reorganized(depth: 2))

        // Blocks, transactions, accounts (balances, nonces, updated heights), receipts, undo rows
        // and the state root: exactly those of the node that only saw the winning branch.
        #expect(fork.ours.head == fork.theirs.head)
        #expect(try await AuthorityNetwork.dump(fork.ours) == (try await AuthorityNetwork.dump(fork.theirs)))
        let replay = ChainReplay(store: fork.ours.store)
        #expect(try await replay.differences(from: try await replay.run()).isEmpty)

        #expect(fork.oursMetrics.counterTotal(label: "chain_reorgs_total") == 1)
        #expect(try fork.oursMetrics.expectGauge("chain_reorg_depth").lastValue == 2)
        // Listeners hear the unwound blocks, newest first, then the new branch.
        #expect(log.summary.prefix(2) == ["reverted:3,2", "committed:2"])

        // Our unwound transactions are pending again, and the next block (ours: height 3,
        // offset 0) includes them.
        for id in fork.ourTransactions { #expect(try await fork.ours.transaction(id).status == .pending) }
        let next = try await fork.ours.produceBlock(timeMilliseconds: fork.t1 + 4_000)
        #expect(Set(next.included) == Set(fork.ourTransactions))
        #expect(try await replay.differences(from: try await replay.run()).isEmpty)

        // A restart reopens cleanly: the account table matches the head's state root.
        let reopened = try await fork.network.open("a", authority: 0)
        #expect(reopened.head == fork.ours.head)
    }

    @Test func aHigherOffsetBranchIsKeptOut() async throws {
        let fork = try await fork()
        let before = try await AuthorityNetwork.dump(fork.theirs)
        let branch = try await AuthorityNetwork.offered(fork.ours, 1...3)
        #expect(try await fork.theirs.offerBranch(branch) == .kept(.higherOffset))
        #expect(try await AuthorityNetwork.dump(fork.theirs) == before)
        #expect(fork.theirs.head.height == 2)
        #expect(fork.theirsMetrics.counterTotal(label: "chain_reorgs_total") == 0)
    }

    @Test func aWinningBranchDeeperThanTheReorgDepthLeavesUsDivergentAndUnchanged() async throws {
        let fork = try await fork(maxReorgDepth: 1)
        let before = try await AuthorityNetwork.dump(fork.ours)
        let head = fork.ours.head
        let branch = try await AuthorityNetwork.offered(fork.theirs, 2...2)
        #expect(try await fork.ours.offerBranch(branch) == .divergent(forkHeight: 1))
        #expect(fork.ours.head == head)
        #expect(try await AuthorityNetwork.dump(fork.ours) == before)
        #expect(try fork.oursMetrics.expectGauge("chain_divergent").lastValue == 1)
        #expect(fork.oursMetrics.counterTotal(label: "chain_divergence_total") == 1)
        #expect(fork.oursMetrics.counterTotal(label: "chain_reorgs_total") == 0)
    }

    @Test func twoBlocksOfOneSlotAreAnEquivocationAndTheFirstSeenStays() async throws {
        let fork = try await fork()
        // The same authority (keys[2]) signs a second block 2, still at offset 0.
        let twin = try await fork.network.open("c-twin", authority: 2)
        #expect(try await twin.offerBranch(try await AuthorityNetwork.offered(fork.theirs, 1...1)) == .extended(1))
        _ = try await twin.produceBlock(timeMilliseconds: fork.t1 + 2_500)
        #expect(twin.head.hash != fork.theirs.head.hash)
        let before = try await AuthorityNetwork.dump(fork.theirs)
        #expect(try await fork.theirs.offerBranch(try await AuthorityNetwork.offered(twin, 2...2)) == .kept(.equivocation))
        #expect(try await AuthorityNetwork.dump(fork.theirs) == before)
        #expect(fork.theirsMetrics.counterTotal(label: "chain_equivocations_total") == 1)
    }

    @Test func anInvalidBlockAtTheEndOfTheWinningBranchRollsTheWholeReorgBack() async throws {
        let fork = try await fork()
        // Block 3 on their branch: keys[1]'s backup slot (offset 1), its state root forged and re-signed.
        let third = try await fork.network.open("b3", authority: 1)
        #expect(try await third.offerBranch(try await AuthorityNetwork.offered(fork.theirs, 1...2)) == .extended(2))
        _ = try await third.produceBlock(timeMilliseconds: fork.t1 + 2_000 + 6_000)
        var (header, _, transactions) = try await AuthorityNetwork.offered(third, height: 3)
        header.stateRoot = [UInt8](repeating: 9, count: 32)
        let forged: Chain.OfferedBlock = (header, header.sign(with: fork.network.keys[1]), transactions)
        let before = try await AuthorityNetwork.dump(fork.ours)
        let head = fork.ours.head
        let branch = try await AuthorityNetwork.offered(fork.theirs, 2...2) + [forged]
        await #expect(throws: BlockRejection.rootMismatch("state_root")) { try await fork.ours.offerBranch(branch) }
        // Nothing of the unwinding or of block 2 stayed: one transaction, rolled back whole
        // (what a kill -9 mid-reorg leaves too).
        #expect(fork.ours.head == head)
        #expect(try await AuthorityNetwork.dump(fork.ours) == before)
        #expect(fork.oursMetrics.counterTotal(label: "blocks_rejected_total", dimensions: [("reason", "root_mismatch")]) == 1)
        #expect(fork.oursMetrics.counterTotal(label: "chain_reorgs_total") == 0)
        // The state tree was not left half-unwound: the valid part of the branch still applies.
        #expect(try await fork.ours.offerBranch(try await AuthorityNetwork.offered(fork.theirs, 2...2)) == .reorganized(depth: 2))
        #expect(try await AuthorityNetwork.dump(fork.ours) == (try await AuthorityNetwork.dump(fork.theirs)))
    }

    @Test func knownBlocksAndUnlinkedBranchesChangeNothing() async throws {
        let fork = try await fork()
        #expect(try await fork.ours.offerBranch(try await AuthorityNetwork.offered(fork.ours, 1...3)) == .kept(.known))
        #expect(try await fork.ours.offerBranch([]) == .kept(.known))
        // Their block 3 would hang off their block 2, which we do not hold.
        let third = try await fork.network.open("b3", authority: 1)
        #expect(try await third.offerBranch(try await AuthorityNetwork.offered(fork.theirs, 1...2)) == .extended(2))
        _ = try await third.produceBlock(timeMilliseconds: fork.t1 + 2_000 + 6_000)
        #expect(try await fork.ours.offerBranch([try await AuthorityNetwork.offered(third, height: 3)]) == .kept(.unknownParent))
        // Blocks that are not consecutive are refused.
        let gap = [try await AuthorityNetwork.offered(fork.theirs, height: 1), try await AuthorityNetwork.offered(third, height: 3)]
        await #expect(throws: BlockRejection.wrongHeight(expected: 2, got: 3)) { try await fork.ours.offerBranch(gap) }
    }

    @Test func aBlockAheadOfTheNodesClockIsRefusedUntilTheClockCatchesUp() async throws {
        let network = try AuthorityNetwork()
        let producer = try await network.open("b", authority: 1)
        _ = try await producer.produceBlock(timeMilliseconds: network.start + 2_000)
        let block = try await AuthorityNetwork.offered(producer, height: 1)
        let metrics = TestMetrics()
        let clock = ManualClock(start: network.start - 1)
        let follower = try await network.open("f", authority: nil, metrics: metrics, clock: clock)
        await #expect(throws: BlockRejection.timeInFuture) {
            try await follower.importBlock(header: block.header, signature: block.signature, transactions: block.transactions)
        }
        #expect(metrics.counterTotal(label: "blocks_rejected_total", dimensions: [("reason", "time_in_future")]) == 1)
        #expect(follower.head.height == 0)
        clock.advance(by: 1)
        #expect(try await follower.offerBranch([block]) == .extended(1))
    }
}
