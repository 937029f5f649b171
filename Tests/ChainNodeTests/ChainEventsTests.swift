import ChainNode
import Cryptography
import Foundation
import Ledger
import Logging
import Synchronization
import TestSupport
import Testing
import WireModels

/// `Chain.events`: what the WebSocket RPC and gossip are told, in the order it happened.
@Suite struct ChainEventsTests {
    /// Records every event a listener hears.
    final class Recorder: Sendable {
        let events = Mutex<[ChainEvent]>([])
        func listen(to chain: Chain) -> ChainEvents.ListenerID {
            chain.events.add { event in self.events.withLock { $0.append(event) } }
        }
        var all: [ChainEvent] { events.withLock { $0 } }
        var blocks: [CommittedBlock] {
            all.compactMap { event in
                if case .blockCommitted(let block) = event { return block }
                return nil
            }
        }
        var admitted: [[VerifiedTransaction]] {
            all.compactMap { event in
                if case .transactionsAdmitted(let transactions) = event { return transactions }
                return nil
            }
        }
    }

    @Test func admissionAndAProducedBlockAreHeardWithWhatTheyChanged() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let recorder = Recorder()
        _ = recorder.listen(to: chain)
        let miner = Ed25519.PrivateKey.generate()
        let receiptID = String(format: "%032x", 7)
        let receipt = try fixture.receipt(miner: miner, receiptID: receiptID)
        let claim = try fixture.claim(receipt, from: miner, nonce: 1)
        let transfer = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(miner), amount: 5, nonce: 1)
        let claimID = try await chain.submit(claim).txHash
        let transferID = try await chain.submit(transfer).txHash
        // A duplicate is not news.
        _ = try await chain.submit(transfer)
        #expect(recorder.admitted.map { $0.map(\.id) } == [[claimID], [transferID]])

        let produced = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        let committed = try #require(recorder.blocks.last)
        #expect(committed.produced)
        #expect(committed.block == produced.block)
        #expect(Set(committed.transactions.map(\.id)) == [claimID, transferID])
        #expect(committed.claims.map(\.rawValue) == [receiptID])
        let changed = Set(committed.accounts.map(\.address))
        #expect(changed.contains(ChainFixture.address(miner)))
        #expect(changed.contains(ChainFixture.address(fixture.faucet)))
        let miners = committed.accounts.first { $0.address == ChainFixture.address(miner) }
        #expect(miners == (try await chain.store.account(ChainFixture.address(miner))).0)
    }

    @Test func anImportedBlockIsHeardAsNotProducedAndListenersCanLeave() async throws {
        let fixture = try ChainFixture()
        let authority = try await fixture.open()
        let directory = try TemporaryDirectory(prefix: "chain-events")
        let follower = try await Chain.open(
            path: directory.path("chain.db"), genesis: fixture.genesis, proposerKey: nil, logger: Logger(label: "follower"))
        let recorder = Recorder()
        let id = recorder.listen(to: follower)
        _ = try await authority.submit(try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(.generate()), amount: 1, nonce: 1))
        for step in 1...2 as ClosedRange<UInt64> {
            let produced = try await authority.produceBlock(timeMilliseconds: 1_800_000_000_000 + step * 2_000)
            var messages: [TransactionMessage] = []
            for txID in produced.included { messages.append(try #require(try await authority.store.transaction(txID)?.message)) }
            _ = try await follower.importBlock(header: produced.block.header, signature: produced.block.signature, transactions: messages)
            if step == 1 { follower.events.remove(id) }
        }
        #expect(follower.events.count == 0)
        #expect(recorder.blocks.map(\.block.height) == [1])
        #expect(recorder.blocks.first?.produced == false)
        #expect(recorder.blocks.first?.transactions.count == 1)
    }
}
