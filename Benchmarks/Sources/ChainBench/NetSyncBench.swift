import BenchSupport
import ChainNode
import Foundation
import HTTPClient
import JSON
import Ledger
import Logging

/// `netsync`: issue 14's late-joiner target with real processes. A chain of `--blocks` blocks of
/// `--txs` transfers (and one of `--empty` empty blocks) is produced in this process at past
/// times (one block_time apart, ending about a minute ago), an authority `aitbc-chain-node` is
/// started on that database, and a fresh follower process whose only bootstrap peer is the
/// authority is spawned; the clock runs from the spawn until the follower's `GET /rpc/head`
/// (polled every 10 ms) reaches the last prebuilt block, whose hash must then be the
/// authority's. Also reported: spawn → first block imported, the follower's CPU, and
/// transactions per second ÷ this machine's Ed25519 rate on every core (measured in this
/// process before and after; the authority serving the ranges shares the cores, so this
/// ratio is lower than the in-process `sync` one by what serving costs).
enum NetSyncBench {
    struct Run {
        var blocks: Int
        var perBlock: Int
        var built: Double
        var spawnToHead: Double
        var firstImportToHead: Double
        var followerCPU: Double
        var authorityCPU: Double
    }

    static func run(_ options: Options) async {
        let binary = options.required("node-bin")
        let blocks = options.int("blocks", default: 1_000)
        let perBlock = options.int("txs", default: 100)
        let empty = options.int("empty", default: 20_000)
        let directory = options.string("dir") ?? NSTemporaryDirectory() + "chainbench-netsync-\(getpid())"
        let keep = options.values.contains("--keep")
        let timeout = options.double("timeout") ?? 600
        let watchdog = Task.detached {
            try? await Task.sleep(for: .seconds(timeout))
            if !Task.isCancelled { Bench.fail("netsync: still running after --timeout \(Int(timeout)) s") }
        }
        try? FileManager.default.removeItem(atPath: directory)
        let cores = Double(max(1, ProcessInfo.processInfo.activeProcessorCount))
        print("## Chain network: late joiner over P2P (load before \(Bench.loadAverage()))")
        let before = Stats.verifyRateAllCores() * cores
        var runs: [Run] = []
        for (count, txs) in [(blocks, perBlock), (empty, 0)] where count > 0 {
            runs.append(await measure(binary: binary, directory: directory + "/\(txs > 0 ? "full" : "empty")", blocks: count, perBlock: txs))
        }
        let after = Stats.verifyRateAllCores() * cores
        let yardstick = (before + after) / 2
        print("| blocks | txs per block | spawn → head | blocks/s | first import → head | blocks/s (from first import) | txs/s | follower CPU | authority CPU (serving) | built in process |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for run in runs {
            let count = Double(run.blocks)
            print(
                "| \(Stats.grouped(count)) | \(run.perBlock) | \(Stats.format(run.spawnToHead)) s | **\(Stats.grouped(count / run.spawnToHead))** | "
                    + "\(Stats.format(run.firstImportToHead)) s | \(Stats.grouped(count / run.firstImportToHead)) | "
                    + "\(Stats.grouped(count * Double(run.perBlock) / run.spawnToHead)) | \(Stats.format(run.followerCPU)) s | \(Stats.format(run.authorityCPU)) s | "
                    + "\(Stats.format(run.built, 1)) s |")
        }
        print("Ed25519 verify on every core (before/after): \(Stats.grouped(before))/s, \(Stats.grouped(after))/s")
        if let full = runs.first(where: { $0.perBlock > 0 }) {
            let rate = Double(full.blocks * full.perBlock) / full.spawnToHead
            print("ratio of transactions synced per second (spawn → head) to the verify rate: **\(Stats.format(rate / yardstick))**")
        }
        print("load after \(Bench.loadAverage())")
        watchdog.cancel()
        if !keep { try? FileManager.default.removeItem(atPath: directory) }
    }

    static func measure(binary: String, directory: String, blocks: Int, perBlock: Int) async -> Run {
        let senders = max(1, min(perBlock, 100))
        // Block h at genesis + h s; the last one a minute before now, so the authority's next
        // block (due at once) is not in the future and no prebuilt block is either.
        let genesisSeconds = UInt64(Bench.unixMilliseconds() / 1_000) - UInt64(blocks) - 60
        let genesis = Setup.genesis(senders: senders, blockMilliseconds: 1_000, maxBlockTransactions: 20_000, timestamp: genesisSeconds)
        Setup.writeFiles(directory: directory, document: genesis)
        let buildStarted = Bench.now()
        let authorityDirectory = directory + "/authority"
        do {
            try FileManager.default.createDirectory(atPath: authorityDirectory, withIntermediateDirectories: true)
        } catch {
            Bench.fail("\(authorityDirectory): \(error)")
        }
        await build(path: authorityDirectory + "/chain.db", genesis: genesis, blocks: blocks, perBlock: perBlock)
        let built = Bench.now() - buildStarted
        Bench.note("built \(blocks) blocks of \(perBlock) transfers in \(Stats.format(built)) s")

        let client = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(5), readTimeout: .seconds(30)))
        let authority = await NodeProcess.start(
            binary: binary, name: "authority", directory: authorityDirectory, genesis: directory + "/genesis.json", keyPath: directory + "/authority.json")
        guard let authorityHead = await head(authority, client: client), authorityHead.height >= UInt64(blocks) else {
            await authority.stop()
            Bench.fail("the authority does not hold the \(blocks) prebuilt blocks")
        }
        let authorityCPUStart = authority.cpuSeconds ?? .nan
        let spawned = Bench.now()
        let joiner = await NodeProcess.start(
            binary: binary, name: "joiner", directory: directory + "/joiner", genesis: directory + "/genesis.json", keyPath: nil,
            bootstrap: [authority.p2pAddress])
        var firstImport: Double?
        var last: UInt64 = 0
        while last < UInt64(blocks) {
            guard joiner.isRunning else {
                await authority.stop()
                Bench.fail("the joiner exited; log \(joiner.logPath)")
            }
            if let height = await head(joiner, client: client)?.height {
                if height > 0, firstImport == nil { firstImport = Bench.now() }
                last = height
            }
            if last < UInt64(blocks) { try? await Task.sleep(for: .milliseconds(10)) }
        }
        let reached = Bench.now()
        let joinerCPU = joiner.cpuSeconds ?? .nan
        let authorityCPU = (authority.cpuSeconds ?? .nan) - authorityCPUStart
        let ours = await hash(joiner, height: UInt64(blocks), client: client)
        let theirs = await hash(authority, height: UInt64(blocks), client: client)
        await joiner.stop()
        await authority.stop()
        guard let ours, ours == theirs else {
            Bench.fail("block \(blocks): the joiner holds \(ours ?? "?"), the authority \(theirs ?? "?")")
        }
        return Run(
            blocks: blocks, perBlock: perBlock, built: built, spawnToHead: reached - spawned, firstImportToHead: reached - (firstImport ?? spawned),
            followerCPU: joinerCPU, authorityCPU: authorityCPU)
    }

    /// The prebuilt chain; the `Chain` is closed when this returns, before a node opens the file.
    static func build(path: String, genesis: GenesisDocument, blocks: Int, perBlock: Int) async {
        let chain: Chain
        do {
            chain = try await Chain.open(path: path, genesis: genesis, proposerKey: BenchKeys.authority(), logger: Logger(label: "chainbench-netsync"))
        } catch {
            Bench.fail("open \(path): \(error)")
        }
        await SyncBench.produce(on: chain, genesis: genesis, blocks: blocks, perBlock: perBlock, firstTime: genesis.genesisHeader.timeMilliseconds + 1_000)
    }

    static func head(_ node: NodeProcess, client: HTTPClient) async -> (height: UInt64, hash: String)? {
        guard let response = try? await client.get(node.base + "/rpc/head"), response.status.code == 200, let body = try? response.json(),
            let height = body["height"]?.int64Value, let hash = body["hash"]?.stringValue
        else { return nil }
        return (UInt64(height), hash)
    }

    static func hash(_ node: NodeProcess, height: UInt64, client: HTTPClient) async -> String? {
        guard let response = try? await client.get(node.base + "/rpc/blocks/\(height)"), response.status.code == 200, let body = try? response.json() else {
            return nil
        }
        return body["hash"]?.stringValue
    }
}
