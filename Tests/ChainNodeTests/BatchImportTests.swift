import ChainNode
import Cryptography
import Foundation
import JSON
import Ledger
import Logging
import MetricsTestKit
import TestSupport
import Testing
import WireModels

/// Range sync's import path (N4): full blocks served by `blocks-range`, imported in batches with
/// every signature verified in parallel first; a bad block stops the batch where it is.
@Suite struct BatchImportTests {
    struct Pair {
        let fixture: ChainFixture
        let authority: Chain
        let follower: Chain
        let metrics: TestMetrics
        let directory: TemporaryDirectory
    }

    func pair() async throws -> Pair {
        let fixture = try ChainFixture()
        let authority = try await fixture.open()
        let directory = try TemporaryDirectory(prefix: "chain-batch")
        let metrics = TestMetrics()
        let follower = try await Chain.open(
            path: directory.path("chain.db"), genesis: fixture.genesis, proposerKey: nil, metrics: ChainMetrics(factory: metrics),
            logger: Logger(label: "follower"))
        return Pair(fixture: fixture, authority: authority, follower: follower, metrics: metrics, directory: directory)
    }

    /// `count` blocks on the authority, each with a transfer and a receipt claim.
    func produce(_ pair: Pair, count: UInt64) async throws {
        for step in 1...count {
            let miner = Ed25519.PrivateKey.generate()
            let receipt = try pair.fixture.receipt(miner: miner, receiptID: String(format: "%032x", step))
            _ = try await pair.authority.submit(try pair.fixture.claim(receipt, from: miner, nonce: 1))
            _ = try await pair.authority.submit(
                try pair.fixture.transfer(from: pair.fixture.faucet, to: ChainFixture.address(miner), amount: 3, nonce: step))
            _ = try await pair.authority.produceBlock(timeMilliseconds: 1_800_000_000_000 + step * 2_000)
        }
    }

    @Test func aFollowerImportingRangesReachesTheAuthoritysHeadAndState() async throws {
        let pair = try await pair()
        try await produce(pair, count: 6)
        let range = try await pair.authority.blocksRange(start: 1, end: nil)
        #expect(range.head == 6)
        #expect(range.blocks.map(\.height) == Array(1...6))
        // What a peer receives is what was served: the JSON round trip changes nothing.
        let serializer = JSONSerializer()
        let decoded = try BlocksRangeResponse(bytes: try serializer.serialize(range.json))
        #expect(try decoded.blocks.map { try serializer.serialize($0.json) } == range.blocks.map { try serializer.serialize($0.json) })
        let outcome = await pair.follower.importBlocks(decoded.blocks)
        #expect(outcome.failure == nil)
        #expect(outcome.imported.map(\.height) == Array(1...6))
        #expect(pair.follower.head == pair.authority.head)
        let followerAccounts = try await pair.follower.store.allAccounts().sorted { $0.address.rawValue < $1.address.rawValue }
        let authorityAccounts = try await pair.authority.store.allAccounts().sorted { $0.address.rawValue < $1.address.rawValue }
        #expect(followerAccounts == authorityAccounts)
        // Nothing more to fetch past the head.
        #expect(try await pair.authority.blocksRange(start: 7, end: nil).blocks.isEmpty)
        #expect(try await pair.authority.blocksRange(start: 2, end: 3).blocks.map(\.height) == [2, 3])
    }

    @Test func aForgedBlockStopsTheBatchThereAndIsCountedByReason() async throws {
        let pair = try await pair()
        try await produce(pair, count: 4)
        var blocks = try await pair.authority.blocksRange(start: 1, end: nil).blocks
        // Block 3 claims another state root but keeps its hash: the hash no longer matches.
        blocks[2].stateRoot = Hash32(bytes: [UInt8](repeating: 7, count: 32))
        var outcome = await pair.follower.importBlocks(blocks)
        #expect(outcome.imported.map(\.height) == [1, 2])
        #expect(outcome.failure?.height == 3)
        #expect(outcome.failure?.error as? BlockRejection == .hashMismatch)
        #expect(pair.follower.head.height == 2)
        #expect(pair.metrics.counterTotal(label: "blocks_rejected_total", dimensions: [("reason", "hash_mismatch")]) == 1)

        // A transaction whose signature was swapped for another valid-looking one.
        blocks = try await pair.authority.blocksRange(start: 3, end: nil).blocks
        blocks[0].txs[0].sig = String(repeating: "ab", count: 64)
        outcome = await pair.follower.importBlocks(blocks)
        #expect(outcome.imported.isEmpty)
        guard case .invalidTransaction? = outcome.failure?.error as? BlockRejection else {
            Issue.record("expected invalid_transaction, got \(String(describing: outcome.failure))")
            return
        }
        // The honest blocks import afterwards: a refusal leaves nothing behind.
        outcome = await pair.follower.importBlocks(try await pair.authority.blocksRange(start: 3, end: nil).blocks)
        #expect(outcome.failure == nil)
        #expect(pair.follower.head == pair.authority.head)
    }

    @Test func transactionsAlreadyInTheMempoolImportAndLeaveIt() async throws {
        let pair = try await pair()
        let transfer = try pair.fixture.transfer(from: pair.fixture.faucet, to: ChainFixture.address(.generate()), amount: 9, nonce: 1)
        // The follower heard the transaction by gossip before the block.
        _ = try await pair.follower.submit(transfer)
        _ = try await pair.authority.submit(transfer)
        _ = try await pair.authority.produceBlock(timeMilliseconds: 1_800_000_002_000)
        let outcome = await pair.follower.importBlocks(try await pair.authority.blocksRange(start: 1, end: nil).blocks)
        #expect(outcome.failure == nil)
        #expect(pair.follower.mempoolCount == 0)
        #expect(pair.follower.head == pair.authority.head)
    }

    @Test func aFullBlockIsDecodedStrictly() throws {
        let key = Ed25519.PrivateKey.generate()
        let header = BlockHeader(
            chainID: "ait-test", height: 1, parentHash: [UInt8](repeating: 1, count: 32), timeMilliseconds: 5, proposerKey: key.publicKey.rawRepresentation,
            txRoot: Merkle.root(leaves: []), stateRoot: [UInt8](repeating: 2, count: 32), receiptsRoot: Merkle.root(leaves: []))
        let block = FullBlock(
            chainID: "ait-test", height: 1, hash: Hash32(bytes: header.hash), parentHash: Hash32(bytes: header.parentHash), timeMilliseconds: 5,
            proposerKey: key.publicKey.hex, txRoot: Hash32(bytes: header.txRoot), stateRoot: Hash32(bytes: header.stateRoot),
            receiptsRoot: Hash32(bytes: header.receiptsRoot), signature: Hex.encode(header.sign(with: key)), txs: [])
        #expect(try block.header().header == header)
        guard case .object(var members) = block.json else { return }
        members.append(JSONMember(key: "extra", value: .bool(true)))
        #expect(throws: WireDecodingError.self) { try FullBlock(json: .object(members)) }
        members.removeLast()
        members.removeAll { $0.key == "txs" }
        members.append(JSONMember(key: "txs", value: .array([.object([JSONMember(key: "type", value: .string("TRANSFER"))])])))
        do {
            _ = try FullBlock(json: .object(members))
            Issue.record("a malformed transaction decoded")
        } catch {
            #expect(error.field.hasPrefix("txs[0]."))
        }
        var short = block
        short.signature = "abcd"
        #expect(throws: BlockRejection.badSignature) { try short.header() }
    }

    @Test func theRESTRangeAnswersBlocksAndRefusesBadBounds() async throws {
        let node = try await LiveChainNode.start()
        defer { Task { await node.stop() } }
        _ = try await node.service.chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        _ = try await node.service.chain.produceBlock(timeMilliseconds: 1_800_000_004_000)
        let (status, body) = try await node.get("/rpc/blocks-range?start=0&end=5")
        #expect(status == 200)
        let range = try BlocksRangeResponse(json: body)
        #expect(range.blocks.map(\.height) == [0, 1, 2])
        #expect(range.head == 2)
        #expect(range.blocks[1].hash.bytes == node.service.chain.head.header.parentHash)
        for query in ["", "?start=-1", "?start=01", "?start=abc", "?start=1&end=x"] {
            let (status, body) = try await node.get("/rpc/blocks-range" + query)
            #expect(status == 422, "\(query)")
            #expect(body["error"]?["code"]?.stringValue == "VALIDATION_ERROR", "\(query)")
        }
        for query in ["?start=9", "?start=2&end=1"] {
            let (emptyStatus, empty) = try await node.get("/rpc/blocks-range" + query)
            #expect(emptyStatus == 200, "\(query)")
            #expect(empty["blocks"]?.arrayValue?.isEmpty == true, "\(query)")
        }
    }
}
