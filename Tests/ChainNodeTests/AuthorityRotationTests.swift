import ChainNode
import Cryptography
import Foundation
import Ledger
import Logging
import MetricsTestKit
import TestSupport
import Testing
import WireModels

/// Three authorities, one stopped: the producers of the other two take its slots after the
/// timeout and the chain goes on. In-process, on a manual clock: produced blocks are handed to
/// the other nodes' `offerBranch` by a relay standing in for gossip.
@Suite struct AuthorityRotationTests {
    @Test func theProducerPlansItsFirstSlotAndPlansAgainWhenTheHeadMoves() throws {
        let network = try AuthorityNetwork()
        let genesis = network.genesis
        let head = genesis.genesisHeader
        let start = network.start
        // Height 1: keys[1] at offset 0, keys[2] at 1, keys[0] at 2.
        #expect(BlockProducer.plan(genesis: genesis, head: head, authorityIndex: 1, now: start) == .init(height: 1, offset: 0, due: start + 2_000))
        #expect(BlockProducer.plan(genesis: genesis, head: head, authorityIndex: 2, now: start) == .init(height: 1, offset: 1, due: start + 6_000))
        #expect(BlockProducer.plan(genesis: genesis, head: head, authorityIndex: 0, now: start) == .init(height: 1, offset: 2, due: start + 10_000))
        // A slot that has passed is not planned: keys[1]'s next one is a whole round later.
        #expect(BlockProducer.plan(genesis: genesis, head: head, authorityIndex: 1, now: start + 6_000).offset == 3)
        // Inside its slot, it is due now.
        #expect(BlockProducer.plan(genesis: genesis, head: head, authorityIndex: 2, now: start + 7_000).due == start + 6_000)
        // The head moved (block 1 arrived at start + 2 s): keys[2] now plans height 2 at offset 0.
        var next = head
        next.height = 1
        next.timeMilliseconds = start + 2_000
        #expect(BlockProducer.plan(genesis: genesis, head: next, authorityIndex: 2, now: start + 2_000) == .init(height: 2, offset: 0, due: start + 4_000))
    }

    /// Hands every node's blocks to the others until cancelled.
    static func relay(_ chains: [Chain]) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                for source in chains {
                    let head = source.head
                    for target in chains where target !== source && target.head.hash != head.hash {
                        // From a few blocks below the lower head: the fork point, if any, is in there.
                        let low = min(head.height, target.head.height)
                        let from = max(1, low > 4 ? low - 4 : 1)
                        guard from <= head.height, let branch = try? await AuthorityNetwork.offered(source, from...head.height) else { continue }
                        _ = try? await target.offerBranch(branch)
                    }
                }
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    @Test func withOneOfThreeAuthoritiesStoppedTheOthersTakeItsSlotsAndTheChainGoesOn() async throws {
        let network = try AuthorityNetwork()
        let clock = ManualClock(start: network.start)
        let metrics = (0..<3).map { _ in TestMetrics() }
        var chains: [Chain] = []
        for index in 0..<3 { chains.append(try await network.open("n\(index)", authority: index, metrics: metrics[index], clock: clock)) }
        // keys[2]'s node is up (it imports) but its producer is stopped.
        let live = [0, 1]
        let producers = live.map { index in
            let producer = BlockProducer(chain: chains[index], clock: clock, logger: Logger(label: "producer-\(index)"))
            return Task { await producer.run() }
        }
        let relay = Self.relay(chains)
        defer {
            relay.cancel()
            for producer in producers { producer.cancel() }
        }
        /// Everyone holds the same head and no live producer has a slot open now.
        func settled() -> Bool {
            let head = chains[0].head
            guard chains.allSatisfy({ $0.head.hash == head.hash }) else { return false }
            let now = clock.nowMilliseconds()
            return live.allSatisfy { BlockProducer.plan(genesis: network.genesis, head: head.header, authorityIndex: $0, now: now).due > now }
        }
        for _ in 0..<80 {
            clock.advance(by: 500)
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while !settled(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
            try #require(settled(), "the nodes did not agree at \(clock.nowMilliseconds() - network.start) ms")
        }
        // 40 s: rounds of 2 + 2 + 6 s (the stopped authority's slot waits out the 4 s timeout).
        let height = chains[0].head.height
        #expect(height >= 11)
        var parent = try await chains[0].block(height: 0)
        var missed: UInt64 = 0
        var byProposer: [String: Int] = [:]
        for h in 1...height {
            let (block, _) = try #require(try await chains[0].store.block(height: h))
            let offset = network.genesis.slotOffset(time: block.header.timeMilliseconds, parentTime: parent.timestamp.unixMilliseconds.magnitude)
            let proposer = try Ed25519.PublicKey(rawRepresentation: block.header.proposerKey)
            // keys[2]'s slots (h mod 3 = 2) go to the next in line after one timeout; the rest on time.
            #expect(proposer != network.keys[2].publicKey)
            #expect(offset == (h % 3 == 2 ? 1 : 0), "height \(h)")
            missed += offset
            byProposer[Address(publicKey: proposer).rawValue, default: 0] += 1
            parent = try await chains[0].block(height: h)
        }
        for (index, chain) in chains.enumerated() {
            let replay = ChainReplay(store: chain.store)
            #expect(try await replay.differences(from: try await replay.run()).isEmpty)
            #expect(metrics[index].counterTotal(label: "chain_missed_slots_total") == Int64(missed))
            for (proposer, count) in byProposer {
                #expect(metrics[index].counterTotal(label: "chain_blocks_by_proposer_total", dimensions: [("proposer", proposer)]) == Int64(count))
            }
        }
        // The stopped authority's node imported every block, and timed each interval.
        #expect(metrics[2].counterTotal(label: "chain_blocks_imported_total") == Int64(height))
        #expect(try metrics[2].expectTimer("block_interval_seconds").values.count == Int(height))
        #expect(metrics[2].counterTotal(label: "chain_reorgs_total") == 0)
    }
}
