import BenchSupport
import ChainNode
import Cryptography
import Foundation
import Ledger
import Logging
import WireModels

/// `state`: issue 13 target 3 in process. For each size (default 10,000 and 1,000,000 filler
/// accounts) a database is built (`Setup.buildDatabase`) and opened as a `Chain` (the node's
/// start-up path: the state tree over every account, checked against the head). Then, in
/// rounds that alternate which size goes first, 100 transfers (100 senders → 100 random
/// filler accounts) are admitted and one block is produced with `produceBlock`; the block
/// touches 201 accounts (senders, recipients, proposer). Separately, a `StateTree` over the
/// same accounts is updated with 201 accounts and its root recomputed: the state-root share.
enum StateBench {
    static func run(_ options: Options) async {
        let directory = options.string("dir") ?? NSTemporaryDirectory() + "chainbench-state"
        let sizes = (options.string("sizes") ?? "10000,1000000").split(separator: ",").compactMap { Int($0) }
        let rounds = options.int("rounds", default: 30)
        let perBlock = options.int("txs", default: 100)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let genesis = Setup.genesis(senders: perBlock, blockMilliseconds: 1_000, maxBlockTransactions: 20_000, timestamp: 1_800_000_000)
        let keys = BenchKeys.senders(perBlock)
        let authority = BenchKeys.authority()
        let logger = Logger(label: "chainbench")

        struct Subject {
            var size: Int
            var chain: Chain
            var tree: StateTree
            var produce: [Double] = []
            var submit: [Double] = []
            var root: [Double] = []
        }
        var subjects: [Subject] = []
        print("| accounts | build (rows + block 1) | `Chain.open` (start-up: read accounts, state tree, root check) | state tree alone |")
        print("|---|---|---|---|")
        for size in sizes {
            let path = "\(directory)/state-\(size).db"
            let built = await Setup.buildDatabase(path: path, genesis: genesis, fillers: size)
            let opened = Bench.now()
            let chain: Chain
            do {
                chain = try await Chain.open(path: path, genesis: genesis, proposerKey: authority, logger: logger)
            } catch {
                Bench.fail("open \(path): \(error)")
            }
            let openSeconds = Bench.now() - opened
            let treeStarted = Bench.now()
            let accounts: [AccountState]
            do {
                accounts = try await chain.store.allAccounts()
            } catch {
                Bench.fail("accounts: \(error)")
            }
            var tree = StateTree(accounts: accounts)
            _ = tree.root
            let treeSeconds = Bench.now() - treeStarted
            print("| \(Stats.grouped(Double(built.accounts))) | \(Stats.format(built.seconds)) s | \(Stats.format(openSeconds)) s | \(Stats.format(treeSeconds)) s |")
            subjects.append(Subject(size: size, chain: chain, tree: tree))
        }

        var generator = SystemRandomNumberGenerator()
        for round in 0..<rounds {
            let order = round % 2 == 0 ? Array(subjects.indices) : Array(subjects.indices.reversed())
            for index in order {
                let size = subjects[index].size
                let recipients = (0..<perBlock).map { _ in Int.random(in: 0..<size, using: &generator) }
                let batch: [Result<TransactionMessage, WireDecodingError>] = (0..<perBlock).map { sender in
                    let payload = TransactionPayload.transfer(to: BenchKeys.fillerAddress(recipients[sender]), amount: 1)
                    let fee = FeeRule.estimate(payload: payload.json, parameters: genesis.parameters)?.fee ?? 0
                    guard let message = try? TransactionMessage.make(
                        chainID: genesis.chainID, key: keys[sender], nonce: UInt64(round + 1), fee: fee, payload: payload)
                    else { Bench.fail("signing") }
                    return .success(message)
                }
                let chain = subjects[index].chain
                var started = Bench.now()
                let outcomes = await chain.submit(batch: batch)
                subjects[index].submit.append(Bench.now() - started)
                guard outcomes.allSatisfy({ (try? $0.get()) != nil }) else { Bench.fail("a transfer was refused: \(String(describing: outcomes.first { (try? $0.get()) == nil }))") }
                started = Bench.now()
                let produced: Chain.ProducedBlock
                do {
                    produced = try await chain.produceBlock(timeMilliseconds: chain.head.header.timeMilliseconds + 1_000)
                } catch {
                    Bench.fail("produceBlock: \(error)")
                }
                subjects[index].produce.append(Bench.now() - started)
                guard produced.included.count == perBlock else { Bench.fail("block \(produced.block.height) holds \(produced.included.count) transactions") }

                // The state-root share alone, on a copy of the same state: 201 accounts changed.
                var touched = (0..<perBlock).map { AccountState(address: Address(publicKey: keys[$0].publicKey), balance: 1, nonce: UInt64(round + 1)) }
                touched += recipients.map { AccountState(address: BenchKeys.fillerAddress($0), balance: BenchKeys.fillerBalance($0) + UInt64(round + 1)) }
                touched.append(AccountState(address: Address(publicKey: authority.publicKey), balance: UInt64(round + 1)))
                started = Bench.now()
                for account in touched { subjects[index].tree.update(account) }
                _ = subjects[index].tree.root
                subjects[index].root.append(Bench.now() - started)
            }
        }
        print("")
        print("\(rounds) rounds, \(perBlock) transfers per block (201 accounts touched), sizes interleaved; medians and p99 in ms:")
        print("")
        print("| accounts | admission of 100 (`submit(batch:)`) p50 / p99 | `produceBlock` p50 / p99 | state tree: 201 updates + root p50 / p99 |")
        print("|---|---|---|---|")
        for subject in subjects {
            func cell(_ values: [Double]) -> String {
                let sorted = values.sorted()
                return "\(Stats.format(Stats.quantile(sorted, 0.5) * 1_000, 2)) / \(Stats.format(Stats.quantile(sorted, 0.99) * 1_000, 2))"
            }
            print("| \(Stats.grouped(Double(subject.size + perBlock))) | \(cell(subject.submit)) | \(cell(subject.produce)) | \(cell(subject.root)) |")
        }
        if subjects.count == 2 {
            let small = subjects[0]
            let large = subjects[1]
            print("")
            print("ratio \(Stats.grouped(Double(large.size))) / \(Stats.grouped(Double(small.size))) accounts (medians): produceBlock \(Stats.format(Stats.median(large.produce) / Stats.median(small.produce))), state root \(Stats.format(Stats.median(large.root) / Stats.median(small.root))) (accounts ×\(Stats.format(Double(large.size) / Double(small.size), 0)))")
        }
    }
}
