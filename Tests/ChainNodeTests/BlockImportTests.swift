import ChainNode
import Cryptography
import Foundation
import Ledger
import Logging
import MetricsTestKit
import TestSupport
import Testing
import WireModels

/// N5: a follower imports the authority's blocks and refuses, and counts, forged ones.
@Suite struct BlockImportTests {
    struct Pair {
        let fixture: ChainFixture
        let authority: Chain
        let follower: Chain
        let metrics: TestMetrics
        let followerDirectory: TemporaryDirectory
    }

    func pair() async throws -> Pair {
        let fixture = try ChainFixture()
        let authority = try await fixture.open()
        let directory = try TemporaryDirectory(prefix: "chain-follower")
        let metrics = TestMetrics()
        let follower = try await Chain.open(
            path: directory.path("chain.db"), genesis: fixture.genesis, proposerKey: nil, metrics: ChainMetrics(factory: metrics),
            logger: Logger(label: "follower"))
        return Pair(fixture: fixture, authority: authority, follower: follower, metrics: metrics, followerDirectory: directory)
    }

    /// The authority's next block with its transactions, as a follower receives it.
    func nextBlock(_ pair: Pair, step: UInt64) async throws -> (BlockHeader, [UInt8], [TransactionMessage]) {
        let miner = Ed25519.PrivateKey.generate()
        let receipt = try pair.fixture.receipt(miner: miner, receiptID: String(format: "%032x", step))
        _ = try await pair.authority.submit(try pair.fixture.claim(receipt, from: miner, nonce: 1))
        let next = try await pair.authority.account(ChainFixture.address(pair.fixture.faucet)).nextNonce
        _ = try await pair.authority.submit(
            try pair.fixture.transfer(from: pair.fixture.faucet, to: ChainFixture.address(miner), amount: 3, nonce: next))
        let produced = try await pair.authority.produceBlock(timeMilliseconds: 1_800_000_000_000 + step * 2_000)
        var messages: [TransactionMessage] = []
        for id in produced.included {
            let view = try await pair.authority.store.transaction(id)
            messages.append(try #require(view?.message))
        }
        return (produced.block.header, produced.block.signature, messages)
    }

    func rejected(_ pair: Pair, _ header: BlockHeader, _ signature: [UInt8], _ txs: [TransactionMessage]) async -> BlockRejection? {
        do {
            _ = try await pair.follower.importBlock(header: header, signature: signature, transactions: txs)
            return nil
        } catch {
            return error as? BlockRejection
        }
    }

    @Test func aFollowerImportingTheAuthoritysBlocksReachesTheSameStateAndHash() async throws {
        let pair = try await pair()
        for step in 1...3 as ClosedRange<UInt64> {
            let (header, signature, txs) = try await nextBlock(pair, step: step)
            let imported = try await pair.follower.importBlock(header: header, signature: signature, transactions: txs)
            #expect(imported.hash == pair.authority.head.hash)
        }
        let faucet = ChainFixture.address(pair.fixture.faucet)
        #expect(try await pair.follower.account(faucet) == (try await pair.authority.account(faucet)))
        #expect(try await ChainReplay(store: pair.follower.store).run().blocks == 3)
    }

    @Test func forgedBlocksAreRejectedWithTheirReasonAndCounted() async throws {
        let pair = try await pair()
        let (header, signature, txs) = try await nextBlock(pair, step: 1)

        var forgedSignature = signature
        forgedSignature[0] ^= 0x01
        #expect(await rejected(pair, header, forgedSignature, txs) == .badSignature)

        let stranger = Ed25519.PrivateKey.generate()
        var unknown = header
        unknown.proposerKey = stranger.publicKey.rawRepresentation
        #expect(await rejected(pair, unknown, unknown.sign(with: stranger), txs) == .unknownProposer)

        var wrongParent = header
        wrongParent.parentHash = [UInt8](repeating: 7, count: 32)
        #expect(await rejected(pair, wrongParent, wrongParent.sign(with: pair.fixture.authority), txs) == .wrongParent)

        var wrongHeight = header
        wrongHeight.height += 1
        #expect(await rejected(pair, wrongHeight, wrongHeight.sign(with: pair.fixture.authority), txs) == .wrongHeight(expected: 1, got: 2))

        var early = header
        early.timeMilliseconds = pair.fixture.genesis.timestamp * 1_000
        #expect(await rejected(pair, early, early.sign(with: pair.fixture.authority), txs) == .timeNotAfterParent)

        var otherChain = header
        otherChain.chainID = "ait-other"
        #expect(await rejected(pair, otherChain, otherChain.sign(with: pair.fixture.authority), txs) == .wrongChain)

        var wrongState = header
        wrongState.stateRoot = [UInt8](repeating: 9, count: 32)
        #expect(await rejected(pair, wrongState, wrongState.sign(with: pair.fixture.authority), txs) == .rootMismatch("state_root"))

        #expect(await rejected(pair, header, signature, Array(txs.dropLast())) == .rootMismatch("tx_root"))

        for reason in ["bad_signature", "unknown_proposer", "wrong_parent", "wrong_height", "time_not_after_parent", "wrong_chain", "root_mismatch"] {
            #expect(pair.metrics.counterTotal(label: "blocks_rejected_total", dimensions: [("reason", reason)]) >= 1, "\(reason) not counted")
        }
        // None of them left a trace: the genuine block still imports.
        #expect(pair.follower.head.height == 0)
        let imported = try await pair.follower.importBlock(header: header, signature: signature, transactions: txs)
        #expect(imported.hash == pair.authority.head.hash)
    }
}
