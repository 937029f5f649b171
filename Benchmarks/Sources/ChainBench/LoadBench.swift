import BenchSupport
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import Synchronization
import WireModels

/// `load`: issue 13 targets 1 and 2 against a live `aitbc-chain-node`.
///
/// Clients sign every transfer ahead of time (on every core, not timed), then C tasks send
/// batches of `--batch` over keep-alive HTTP with `POST /rpc/sendTxs`, as fast as answers
/// come (`--rate` unset) or paced at `--rate` transactions per second. Connection c owns the
/// senders s with s % C == c and sends their nonces in order, so no batch can arrive before
/// the one holding the sender's previous nonce. A watcher polls `GET /rpc/head` every 10 ms and
/// records each new block (`time_ms`, `tx_count`) with the wall-clock time it first saw it,
/// until the blocks hold every transaction. The run fails when a transaction
/// is refused for any reason but back-pressure (`MEMPOOL_FULL` and what it causes, resent),
/// when a sender's final nonce is not the number of transfers it sent, or when sampled ids are
/// not `included`.
struct LoadBench {
    let base: String
    let directory: String
    let total: Int
    let batchSize: Int
    let connections: Int
    let rate: Double?
    let nodePID: Int32?
    let http: HTTPClient
    let parser = JSONParser(limits: .init(maxInputBytes: 64 << 20))

    init(_ options: Options) {
        base = "http://127.0.0.1:\(options.int("port", default: 8080))"
        directory = options.required("dir")
        total = options.int("txs", default: 200_000)
        batchSize = options.int("batch", default: 1_000)
        connections = options.int("connections", default: 2)
        rate = options.double("rate")
        nodePID = options.string("pid").flatMap { Int32($0) }
        guard total > 0, batchSize > 0, connections > 0 else { Bench.fail("--txs, --batch and --connections must be positive") }
        http = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(10), readTimeout: .seconds(120), maxConnectionsPerHost: connections + 4,
                maxResponseBodySize: 64 << 20))
    }

    /// One signed transfer as the client holds it.
    typealias Signed = SignedTransfers.Transfer

    /// One block as the watcher saw it.
    struct SeenBlock: Sendable {
        var height: UInt64
        var timeMilliseconds: Int64
        var txCount: Int
        /// Unix ms when the watcher first saw the height (the head poll that showed it).
        var seenUnixMilliseconds: Int64
        /// Monotonic seconds of the same moment.
        var seenAt: Double
    }

    func run() async {
        let genesis: GenesisDocument
        do {
            genesis = try GenesisDocument(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/genesis.json"))))
        } catch {
            Bench.fail("genesis: \(error)")
        }
        let senders = genesis.accounts.count
        let keys = BenchKeys.senders(senders)
        guard keys.enumerated().allSatisfy({ Address(publicKey: $1.publicKey) == genesis.accounts[$0].address }) else {
            Bench.fail("the genesis accounts are not ChainBench's senders (run `ChainBench setup` with the same --senders)")
        }
        let addresses = keys.map { Address(publicKey: $0.publicKey) }
        let parameters = genesis.parameters

        // Plan: connection c sends, in order, transfers of its senders, round-robin over them,
        // nonces 1, 2, … per sender.
        let perConnection = (0..<connections).map { c in total / connections + (c < total % connections ? 1 : 0) }
        let owned = (0..<connections).map { c in Array(stride(from: c, to: senders, by: connections)) }
        guard owned.allSatisfy({ !$0.isEmpty }) else { Bench.fail("more connections than senders") }
        var plan: [(connection: Int, sender: Int, nonce: UInt64)] = []
        plan.reserveCapacity(total)
        for c in 0..<connections {
            for j in 0..<perConnection[c] {
                plan.append((c, owned[c][j % owned[c].count], UInt64(j / owned[c].count + 1)))
            }
        }
        let chainID = genesis.chainID
        let fixedPlan = plan
        let signStarted = Bench.now()
        let signed = SignedTransfers.sign(fixedPlan.map { (sender: $0.sender, nonce: $0.nonce) }, keys: keys, addresses: addresses, chainID: chainID, parameters: parameters)
        let batches = SignedTransfers.batches(signed, perConnection: perConnection, batchSize: batchSize)
        let averageBytes = signed.reduce(0) { $0 + $1.bytes.count } / max(1, signed.count)
        print("signed \(total) transfers from \(senders) senders in \(Stats.format(Bench.now() - signStarted)) s (not timed; \(averageBytes) bytes each); \(connections) connections, batches of \(batchSize)" + (rate.map { ", paced at \(Stats.grouped($0)) tx/s" } ?? ", unpaced"))

        let yardstickBefore = Stats.verifyRate()
        guard let startHead = await head() else { Bench.fail("GET /rpc/head failed") }

        let progress = Progress()
        let watcher = Task { await watch(from: startHead, expected: total, progress: progress) }

        let nodeCPUStart = nodePID.flatMap(Bench.cpuSeconds(pid:))
        let ownCPUStart = Bench.processCPUSeconds()
        let started = Bench.now()
        let outcomes = await withTaskGroup(of: SenderOutcome.self) { group in
            for c in 0..<connections {
                let mine = batches[c]
                group.addTask { await send(mine, connection: c, started: started) }
            }
            var all: [SenderOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let admittedAt = outcomes.map(\.finishedAt).max() ?? started
        progress.sendingDone.store(true, ordering: .relaxed)
        await watcher.value
        let finished = Bench.now()
        let nodeCPUEnd = nodePID.flatMap(Bench.cpuSeconds(pid:))
        let ownCPU = Bench.processCPUSeconds() - ownCPUStart
        let yardstickAfter = Stats.verifyRate()

        let seen = progress.blocks.withLock { $0 }
        let included = progress.included.load(ordering: .relaxed)
        let problems = outcomes.flatMap(\.problems)
        let resent = outcomes.reduce(0) { $0 + $1.resent }
        let latencies = outcomes.flatMap(\.latencies).sorted()

        // Correctness: every sender's nonce is the number of transfers it sent; sampled ids are included.
        var expectedNonce = [UInt64](repeating: 0, count: senders)
        for transfer in signed { expectedNonce[transfer.sender] = max(expectedNonce[transfer.sender], transfer.nonce) }
        let nonceProblems = await checkNonces(addresses: addresses, expected: expectedNonce)
        let sampleProblems = await checkSample(signed, chainID: chainID)

        // Figures.
        let lastBlock = seen.last
        let includedSeconds = (lastBlock?.seenAt ?? finished) - started
        let admittedSeconds = admittedAt - started
        print("")
        print("| figure | value |")
        print("|---|---|")
        print("| transfers sent / admitted / included | \(total) / \(total - problems.count) / \(included) |")
        print("| resent after back-pressure (MEMPOOL_FULL, RATE_LIMITED, the gaps they caused) | \(resent) |")
        print("| admitted/s (first send → last batch answered) | **\(Stats.grouped(Double(total) / admittedSeconds))** (\(Stats.format(admittedSeconds)) s) |")
        print("| included/s (first send → block with the last tx seen) | **\(Stats.grouped(Double(included) / includedSeconds))** (\(Stats.format(includedSeconds)) s) |")
        print("| sendTxs batch latency p50 / p99 / max | \(ms(Stats.quantile(latencies, 0.5))) / \(ms(Stats.quantile(latencies, 0.99))) / \(ms(latencies.last ?? .nan)) |")
        let verify = (yardstickBefore.perCPUSecond + yardstickAfter.perCPUSecond) / 2
        print("| Ed25519 verify, one core, same process (before / after) | \(Stats.grouped(yardstickBefore.perCPUSecond)) / \(Stats.grouped(yardstickAfter.perCPUSecond)) per CPU-second (wall clock \(Stats.grouped(yardstickBefore.wallClock)) / \(Stats.grouped(yardstickAfter.wallClock))) |")
        let includedRate = Double(included) / includedSeconds
        print("| included/s ÷ one core's verify rate | \(Stats.format(includedRate / verify, 3)) |")
        if let nodeCPUStart, let nodeCPUEnd {
            let cores = (nodeCPUEnd - nodeCPUStart) / (finished - started)
            print("| node CPU over the run / cores used | \(Stats.format(nodeCPUEnd - nodeCPUStart)) s / \(Stats.format(cores)) |")
            print("| node CPU per included tx | \(Stats.format((nodeCPUEnd - nodeCPUStart) / Double(max(1, included)) * 1e6, 1)) µs (one verify: \(Stats.format(1e6 / verify, 1)) µs) |")
            print("| included/s ÷ (verify rate × node cores used) (goal ≥ 0.5) | **\(Stats.format(includedRate / (verify * cores), 3))** |")
        }
        print("| ChainBench CPU (HTTP client, watcher, checks) | \(Stats.format(ownCPU)) s |")
        print("")
        report(blocks: seen, interval: Double(genesis.parameters.blockTimeMilliseconds))

        var failures = problems + nonceProblems + sampleProblems
        if included != total { failures.append("blocks hold \(included) transactions, expected \(total)") }
        if failures.isEmpty {
            print("OK: every transfer admitted once and included; every sender's nonce matches; sampled ids included")
        } else {
            for failure in failures.prefix(20) { print("PROBLEM: \(failure)") }
            exit(1)
        }
    }

    /// What the watcher shares with the run.
    final class Progress: Sendable {
        let blocks = Mutex<[SeenBlock]>([])
        let included = Atomic<Int>(0)
        let sendingDone = Atomic<Bool>(false)
    }

    func ms(_ seconds: Double) -> String { Stats.format(seconds * 1_000) + " ms" }

    struct SenderOutcome: Sendable {
        var latencies: [Double] = []
        var problems: [String] = []
        var resent = 0
        var finishedAt: Double = 0
    }

    /// Sends one connection's batches in order; resends what back-pressure refused.
    func send(_ batches: [ArraySlice<Signed>], connection: Int, started: Double) async -> SenderOutcome {
        var outcome = SenderOutcome()
        for (index, batch) in batches.enumerated() {
            if let rate {
                let due = started + Double((index * connections + connection) * batchSize) / rate
                let wait = due - Bench.now()
                if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
            }
            var pending = Array(batch)
            var attempts = 0
            while !pending.isEmpty {
                attempts += 1
                if attempts > 200 {
                    outcome.problems.append("batch \(index) of connection \(connection): still refused after 200 attempts")
                    break
                }
                var body: [UInt8] = Array(#"{"txs":["#.utf8)
                body.reserveCapacity(pending.count * (pending[0].bytes.count + 1) + 16)
                for (position, transfer) in pending.enumerated() {
                    if position > 0 { body.append(UInt8(ascii: ",")) }
                    body += transfer.bytes
                }
                body += Array("]}".utf8)
                let sentAt = Bench.now()
                let response: HTTPClientResponse
                do {
                    response = try await http.execute(
                        HTTPClientRequest(method: .post, url: base + "/rpc/sendTxs", headers: ["Content-Type": "application/json"], body: body))
                } catch {
                    outcome.problems.append("sendTxs: \(error)")
                    return outcome
                }
                outcome.latencies.append(Bench.now() - sentAt)
                if response.status.code == 429 {
                    outcome.resent += pending.count
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                guard response.status.code == 200, let json = try? parser.parse(response.body),
                    let answer = try? SendTxsResponse(json: json), answer.results.count == pending.count
                else {
                    outcome.problems.append("sendTxs answered \(response.status.code): \(response.text.prefix(300))")
                    return outcome
                }
                var again: [Signed] = []
                for (transfer, item) in zip(pending, answer.results) {
                    switch item {
                    case .accepted: continue
                    case .rejected(let code, let message, _):
                        // Back-pressure, and the nonce gaps it leaves behind in the same batch.
                        if code == "MEMPOOL_FULL" || (code == "NONCE_GAP" && !again.isEmpty) {
                            again.append(transfer)
                        } else if code == "TX_ALREADY_INCLUDED" && attempts > 1 {
                            continue
                        } else {
                            outcome.problems.append("sender \(transfer.sender) nonce \(transfer.nonce): \(code) \(message)")
                        }
                    }
                }
                if !again.isEmpty {
                    outcome.resent += again.count
                    try? await Task.sleep(for: .milliseconds(100))
                }
                pending = again
            }
        }
        outcome.finishedAt = Bench.now()
        return outcome
    }

    func get(_ path: String) async -> JSONValue? {
        guard let response = try? await http.execute(HTTPClientRequest(method: .get, url: base + path)), response.status.code == 200 else {
            return nil
        }
        return try? parser.parse(response.body)
    }

    func head() async -> UInt64? {
        guard let value = await get("/rpc/head")?["height"]?.int64Value else { return nil }
        return UInt64(value)
    }

    /// Polls the head until the blocks after `from` hold `expected` transactions (or nothing
    /// new arrives for 30 s after sending ended).
    func watch(from start: UInt64, expected: Int, progress: Progress) async {
        var last = start
        var count = 0
        var lastProgress = Bench.now()
        while count < expected {
            if progress.sendingDone.load(ordering: .relaxed), Bench.now() - lastProgress > 30 {
                Bench.note("watcher: no new block for 30 s; \(count) of \(expected) included")
                return
            }
            guard let head = await get("/rpc/head"), let height = head["height"]?.int64Value.map(UInt64.init) else {
                try? await Task.sleep(for: .milliseconds(10))
                continue
            }
            let seenUnix = Bench.unixMilliseconds()
            let seenAt = Bench.now()
            if height > last {
                for h in (last + 1)...height {
                    // The head answer has the figures of its block; a block skipped between two
                    // polls (not expected at 10 ms polls and 1 s blocks) is read on its own. The
                    // block view (every tx id) is not read: its cost would count as the node's.
                    let block = h == height ? head : await get("/rpc/blocks/\(h)")
                    guard let block, let time = block["time_ms"]?.int64Value, let txs = block["tx_count"]?.int64Value else {
                        Bench.note("watcher: block \(h) could not be read")
                        continue
                    }
                    count += Int(txs)
                    progress.blocks.withLock { $0.append(SeenBlock(height: h, timeMilliseconds: time, txCount: Int(txs), seenUnixMilliseconds: seenUnix, seenAt: seenAt)) }
                }
                progress.included.store(count, ordering: .relaxed)
                last = height
                lastProgress = Bench.now()
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Every sender's account nonce must be its last nonce sent.
    func checkNonces(addresses: [Address], expected: [UInt64]) async -> [String] {
        await withTaskGroup(of: [String].self) { group in
            for c in 0..<connections {
                group.addTask {
                    var problems: [String] = []
                    for index in stride(from: c, to: addresses.count, by: connections) {
                        let nonce = await get("/rpc/getBalance/\(addresses[index].rawValue)")?["nonce"]?.int64Value
                        if nonce != Int64(expected[index]) { problems.append("sender \(index): nonce \(nonce.map(String.init) ?? "?"), expected \(expected[index])") }
                    }
                    return problems
                }
            }
            var all: [String] = []
            for await part in group { all += part }
            return all
        }
    }

    /// 200 evenly spaced transfers must read back `included` from `GET /rpc/tx/{id}`.
    func checkSample(_ signed: [Signed], chainID: String) async -> [String] {
        var problems: [String] = []
        for index in stride(from: 0, to: signed.count, by: max(1, signed.count / 200)) {
            guard let json = try? parser.parse(signed[index].bytes), let message = try? TransactionMessage(json: json),
                let id = try? message.transactionID()
            else {
                problems.append("sample \(index) does not decode")
                continue
            }
            let status = await get("/rpc/tx/\(id.rawValue)")?["status"]?.stringValue
            if status != "included" { problems.append("tx \(id.rawValue): status \(status ?? "?")") }
        }
        return problems
    }

    /// Per-block table and interval figures.
    func report(blocks: [SeenBlock], interval: Double) {
        guard let firstLoaded = blocks.firstIndex(where: { $0.txCount > 0 }) else {
            print("no block held a transaction")
            return
        }
        let window = Array(blocks[firstLoaded...])
        let counts = window.map { Double($0.txCount) }
        let header = zip(window.dropFirst(), window).map { Double($0.timeMilliseconds - $1.timeMilliseconds) }.sorted()
        let wall = zip(window.dropFirst(), window).map { Double($0.seenUnixMilliseconds - $1.seenUnixMilliseconds) }.sorted()
        let lag = window.map { Double($0.seenUnixMilliseconds - $0.timeMilliseconds) }.sorted()
        let headerDeviation = header.map { abs($0 - interval) }.sorted()
        let wallDeviation = wall.map { abs($0 - interval) }.sorted()
        print("blocks \(window.count) (heights \(window.first?.height ?? 0)…\(window.last?.height ?? 0), from the first holding a tx); block_time_ms \(Int(interval))")
        print("")
        print("| per block | p50 | p99 | max | min | mean |")
        print("|---|---|---|---|---|---|")
        func row(_ name: String, _ values: [Double], _ unit: String = " ms") {
            guard !values.isEmpty else { return }
            print("| \(name) | \(Stats.format(Stats.quantile(values, 0.5), 0))\(unit) | \(Stats.format(Stats.quantile(values, 0.99), 0))\(unit) | \(Stats.format(values.last ?? .nan, 0))\(unit) | \(Stats.format(values.first ?? .nan, 0))\(unit) | \(Stats.format(Stats.mean(values), 1))\(unit) |")
        }
        row("transactions", counts.sorted(), "")
        row("interval, header time_ms", header)
        row("|interval − block_time_ms|, header", headerDeviation)
        row("interval, wall clock (head first seen; 10 ms polls)", wall)
        row("|interval − block_time_ms|, wall clock", wallDeviation)
        row("seen − time_ms (execute + commit + poll)", lag)
        print("")
        print("| height | txs | time_ms − previous | seen − previous seen | seen − time_ms |")
        print("|---|---|---|---|---|")
        for (index, block) in window.enumerated() {
            let previous = index > 0 ? window[index - 1] : nil
            print("| \(block.height) | \(block.txCount) | \(previous.map { String(block.timeMilliseconds - $0.timeMilliseconds) } ?? "") | \(previous.map { String(block.seenUnixMilliseconds - $0.seenUnixMilliseconds) } ?? "") | \(block.seenUnixMilliseconds - block.timeMilliseconds) |")
        }
        print("")
    }
}
