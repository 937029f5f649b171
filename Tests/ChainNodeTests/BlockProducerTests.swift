import ChainNode
import Cryptography
import Foundation
import Ledger
import Logging
import Synchronization
import TestSupport
import Testing
import WireModels

/// A clock tests move by hand: `sleep` returns when the time it waits for has been reached.
final class ManualClock: ChainClock, Sendable {
    private let now: Mutex<UInt64>
    init(start: UInt64) { now = Mutex(start) }
    func nowMilliseconds() -> UInt64 { now.withLock { $0 } }
    func advance(by milliseconds: UInt64) { now.withLock { $0 += milliseconds } }
    func sleep(milliseconds: UInt64) async throws {
        let until = nowMilliseconds() + milliseconds
        while nowMilliseconds() < until {
            try Task.checkCancellation()
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

@Suite struct BlockProducerTests {
    @Test func kTicksOfTheClockGiveKLinkedBlocksAtLeastABlockTimeApart() async throws {
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = 2_000
        let fixture = try ChainFixture(parameters: parameters)
        let chain = try await fixture.open()
        let clock = ManualClock(start: fixture.genesis.timestamp * 1_000)
        let producer = Task { await BlockProducer(chain: chain, clock: clock, logger: Logger(label: "producer")).run() }
        for tick in 1...6 as ClosedRange<UInt64> {
            clock.advance(by: 2_000)
            // Empty blocks come on time: each tick of one block time gives exactly one block.
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            while chain.head.height < tick, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
            #expect(chain.head.height == tick)
        }
        producer.cancel()
        await producer.value
        var previous = try await chain.block(height: 0)
        for height in 1...6 as ClosedRange<UInt64> {
            let block = try await chain.block(height: height)
            #expect(block.parentHash == previous.hash)
            #expect(block.timestamp.unixMilliseconds - previous.timestamp.unixMilliseconds >= 2_000)
            previous = block
        }
    }

    @Test func aFollowerRunsNoProducer() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open(proposer: false)
        let clock = ManualClock(start: fixture.genesis.timestamp * 1_000)
        // Returns at once: not an authority.
        await BlockProducer(chain: chain, clock: clock, logger: Logger(label: "producer")).run()
        clock.advance(by: 60_000)
        #expect(chain.head.height == 0)
    }

    @Test func reExecutionOnAFreshDatabaseReproducesEveryStateRoot() async throws {
        let senders = (0..<8).map { _ in Ed25519.PrivateKey.generate() }
        let fixture = try ChainFixture(extraAccounts: senders.map { .init(address: ChainFixture.address($0), balance: 50_000) })
        let chain = try await fixture.open()
        var generator = SeededGenerator(state: 0x5EED)
        var nonces = [UInt64](repeating: 0, count: senders.count)
        for step in 1...15 as ClosedRange<UInt64> {
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                let from = Int.random(in: 0..<senders.count, using: &generator)
                let to = Int.random(in: 0..<senders.count, using: &generator)
                // Some exceed the balance and are refused; the rest move value around.
                let amount = UInt64.random(in: 1...20_000, using: &generator)
                if (try? await chain.submit(try fixture.transfer(from: senders[from], to: ChainFixture.address(senders[to]), amount: amount, nonce: nonces[from] + 1))) != nil {
                    nonces[from] += 1
                }
            }
            _ = try await chain.produceBlock(timeMilliseconds: fixture.genesis.timestamp * 1_000 + step * 2_000)
        }
        let fresh = try TemporaryDirectory(prefix: "chain-fresh")
        let follower = try await Chain.open(path: fresh.path("chain.db"), genesis: fixture.genesis, proposerKey: nil, logger: Logger(label: "fresh"))
        for height in 1...15 as ClosedRange<UInt64> {
            let (block, ids) = try #require(try await chain.store.block(height: height))
            var txs: [TransactionMessage] = []
            for id in ids { txs.append(try #require(try await chain.store.transaction(id)).message) }
            let imported = try await follower.importBlock(header: block.header, signature: block.signature, transactions: txs)
            #expect(imported.header.stateRoot == block.header.stateRoot && imported.hash == block.hash)
        }
        for sender in senders {
            #expect(try await follower.account(ChainFixture.address(sender)).balance == (try await chain.account(ChainFixture.address(sender))).balance)
        }
    }
}
