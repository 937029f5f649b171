import BenchSupport
import ChainNode
import Cryptography
import Foundation
import JSON
import Ledger
import Logging
import WireModels

/// `sync`: issue 14's late-joiner target in process — how fast a follower imports what
/// `blocks-range` serves, with full verification. An authority `Chain` produces `--blocks`
/// blocks of `--txs` transfers (100 senders); a fresh follower then pulls ranges of `--batch`
/// blocks through `blocksRange` → JSON bytes → `BlocksRangeResponse` decode → `importBlocks`,
/// the same path range sync takes minus the socket. The same is done for `--empty` empty blocks.
/// Transactions verified per wall-clock second are divided by this machine's Ed25519 rate on
/// every core, measured in the same process before and after (the ratio goal ≥ 0.8).
enum SyncBench {
    static func run(_ options: Options) async {
        let blocks = options.int("blocks", default: 1_000)
        let perBlock = options.int("txs", default: 100)
        let empty = options.int("empty", default: 20_000)
        let batch = options.int("batch", default: 256)
        let directory = options.string("dir") ?? NSTemporaryDirectory() + "chainbench-sync-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cores = Double(max(1, ProcessInfo.processInfo.activeProcessorCount))
        let before = Stats.verifyRateAllCores() * cores

        let full = await measure(directory: directory + "/full", blocks: blocks, perBlock: perBlock, batch: batch)
        let emptyRun = await measure(directory: directory + "/empty", blocks: empty, perBlock: 0, batch: batch)
        let after = Stats.verifyRateAllCores() * cores
        let yardstick = (before + after) / 2
        let txRate = Double(blocks * perBlock) / full.seconds
        print("| blocks | txs per block | import (wall) | blocks/s | txs/s | CPU s per block | bytes served |")
        print("|---|---|---|---|---|---|---|")
        for (run, count, txs) in [(full, blocks, perBlock), (emptyRun, empty, 0)] {
            print(
                "| \(Stats.grouped(Double(count))) | \(txs) | \(Stats.format(run.seconds)) s | \(Stats.grouped(Double(count) / run.seconds)) | "
                    + "\(Stats.grouped(Double(count * txs) / run.seconds)) | \(Stats.format(run.cpuSeconds / Double(count) * 1_000, 3)) ms | "
                    + "\(Stats.grouped(Double(run.bytes))) |")
        }
        print("Ed25519 verify on every core (before/after): \(Stats.grouped(before))/s, \(Stats.grouped(after))/s")
        print("ratio of transactions imported per second to the verify rate: \(Stats.format(txRate / yardstick))")
    }

    struct Run {
        var seconds: Double
        var cpuSeconds: Double
        var bytes: Int
    }

    static func measure(directory: String, blocks: Int, perBlock: Int, batch: Int) async -> Run {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let senders = max(1, min(perBlock, 100))
        let genesis = Setup.genesis(senders: senders, blockMilliseconds: 1_000, maxBlockTransactions: 20_000, timestamp: 1_800_000_000)
        let logger = Logger(label: "chainbench-sync")
        let authority: Chain
        let follower: Chain
        do {
            authority = try await Chain.open(path: directory + "/authority.db", genesis: genesis, proposerKey: BenchKeys.authority(), logger: logger)
            follower = try await Chain.open(path: directory + "/follower.db", genesis: genesis, proposerKey: nil, logger: logger)
        } catch {
            Bench.fail("open: \(error)")
        }
        let built = Bench.now()
        await produce(on: authority, genesis: genesis, blocks: blocks, perBlock: perBlock, firstTime: 1_800_000_000_000 + 1_000)
        Bench.note("built \(blocks) blocks of \(perBlock) transfers in \(Stats.format(Bench.now() - built)) s")

        let serializer = JSONSerializer()
        var bytes = 0
        let started = Bench.now()
        let startedCPU = Bench.processCPUSeconds()
        var next: UInt64 = 1
        var phases = [Double](repeating: 0, count: 4)
        while next <= UInt64(blocks) {
            do {
                var mark = Bench.now()
                func lap(_ index: Int) {
                    let now = Bench.now()
                    phases[index] += now - mark
                    mark = now
                }
                let range = try await authority.blocksRange(start: next, end: next + UInt64(batch) - 1)
                lap(0)
                let wire = try serializer.serialize(range.json)
                bytes += wire.count
                lap(1)
                let received = try BlocksRangeResponse(bytes: wire, maxBytes: 64 << 20)
                lap(2)
                let outcome = await follower.importBlocks(received.blocks)
                lap(3)
                if let failure = outcome.failure { Bench.fail("import refused block \(failure.height): \(failure.error)") }
                next += UInt64(outcome.imported.count)
            } catch {
                Bench.fail("range from \(next): \(error)")
            }
        }
        let seconds = Bench.now() - started
        Bench.note("phases (s): serve \(Stats.format(phases[0])), encode \(Stats.format(phases[1])), decode \(Stats.format(phases[2])), import \(Stats.format(phases[3]))")
        let cpu = Bench.processCPUSeconds() - startedCPU
        guard follower.head == authority.head else { Bench.fail("the follower's head differs from the authority's") }
        return Run(seconds: seconds, cpuSeconds: cpu, bytes: bytes)
    }

    /// Produces `blocks` blocks of `perBlock` transfers (from ChainBench's first 100 senders, to
    /// one fresh address) on `authority`, block h stamped `firstTime + (h − 1) × block_time_ms`.
    static func produce(on authority: Chain, genesis: GenesisDocument, blocks: Int, perBlock: Int, firstTime: UInt64) async {
        let senders = max(1, min(perBlock, 100))
        let keys = BenchKeys.senders(senders)
        let recipient = Address(publicKey: Ed25519.PrivateKey.generate().publicKey)
        let payload = TransactionPayload.transfer(to: recipient, amount: 1)
        let fee = FeeRule.estimate(payload: payload.json, parameters: genesis.parameters)?.fee ?? 0
        let interval = genesis.parameters.blockTimeMilliseconds
        for height in 1...blocks {
            if perBlock > 0 {
                let messages = parallelMap(0..<perBlock) { index -> TransactionMessage? in
                    try? TransactionMessage.make(
                        chainID: genesis.chainID, key: keys[index % senders], nonce: UInt64((height - 1) * (perBlock / senders) + index / senders + 1),
                        fee: fee, payload: payload)
                }
                let batchMessages = messages.map { message -> Result<TransactionMessage, WireDecodingError> in
                    guard let message else { Bench.fail("signing") }
                    return .success(message)
                }
                let outcomes = await authority.submit(batch: batchMessages)
                guard outcomes.allSatisfy({ (try? $0.get()) != nil }) else { Bench.fail("admission refused a transfer at height \(height)") }
            }
            do {
                let produced = try await authority.produceBlock(timeMilliseconds: firstTime + UInt64(height - 1) * interval)
                guard produced.included.count == perBlock else { Bench.fail("block \(height) holds \(produced.included.count) transfers") }
            } catch {
                Bench.fail("produce: \(error)")
            }
        }
    }
}
