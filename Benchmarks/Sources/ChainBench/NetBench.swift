import BenchSupport
import Foundation
import HTTPClient
import JSON
import Ledger
import Synchronization
import WebSocket
import WireModels

/// `net`: issue 14's network figures with real processes. Starts `--nodes` `aitbc-chain-node`s
/// on loopback (node0 the authority, the others followers; `--topology star`: every follower
/// dials the authority, `line`: each dials the one before it), fresh data directories, free
/// ports, P2P on. Once every node has its peers and the same head, the harness opens its own
/// `/rpc/ws/blocks` socket on each node and pushes signed transfers at `--rate` tx/s for
/// `--seconds` over `POST /rpc/sendTxs` — to the followers round-robin (connection c sends to
/// follower c mod F; it owns the senders s ≡ c mod C, so a sender's nonces arrive in order at
/// one node) or `--to authority`. It reports:
///
/// - convergence: from the answer to the last batch until every node has received (on its
///   socket) the block that completes the set of transfers, all at the same hash;
/// - block propagation per follower: arrival of each block on the follower's socket minus its
///   arrival on the authority's (p50/p99/max over the blocks from the first loaded one), and,
///   for comparison, the follower's own `block_propagation_seconds` histogram (import time −
///   header time) over the same window;
/// - back-pressure: `gossip_dropped_total`, `p2p_peers_dropped_total`,
///   `chain_transactions_rejected_total{reason="MEMPOOL_FULL"}` of every node (deltas), and
///   transfers resent after back-pressure;
/// - node CPU per process over the window.
///
/// It fails (exit 1) on any refusal but back-pressure, a transfer not included on some node
/// (every sender's nonce is read back from every node), a hash disagreement at any height, or
/// the `--timeout`. It stops only the processes it started, by pid.
struct NetBench {
    enum Topology: String { case star, line }

    let binary: String
    let nodeCount: Int
    let topology: Topology
    let rate: Double
    let seconds: Double
    let toAuthority: Bool
    let senders: Int
    let batchSize: Int
    let connections: Int
    let blockMilliseconds: Int
    let maxBlockTransactions: Int
    let directory: String
    let keep: Bool
    let timeout: Double
    let settings: [String: String]
    let http: HTTPClient
    let parser = JSONParser(limits: .init(maxInputBytes: 64 << 20))

    init(_ options: Options) {
        binary = options.required("node-bin")
        nodeCount = options.int("nodes", default: 3)
        guard let topology = Topology(rawValue: options.string("topology") ?? "star") else { Bench.fail("--topology is star or line") }
        self.topology = topology
        rate = options.double("rate") ?? 2_000
        seconds = options.double("seconds") ?? 30
        switch options.string("to") ?? "followers" {
        case "followers": toAuthority = false
        case "authority": toAuthority = true
        case let other: Bench.fail("--to is followers or authority, got \(other)")
        }
        senders = options.int("senders", default: 2_000)
        batchSize = options.int("batch", default: 200)
        blockMilliseconds = options.int("block-ms", default: 1_000)
        maxBlockTransactions = options.int("max-block-txs", default: 20_000)
        directory = options.string("dir") ?? NSTemporaryDirectory() + "chainbench-net-\(getpid())"
        keep = options.values.contains("--keep")
        timeout = options.double("timeout") ?? (seconds + 180)
        // Extra node settings: --set NAME=VALUE (repeatable).
        var settings: [String: String] = [:]
        for (index, value) in options.values.enumerated() where value == "--set" && index + 1 < options.values.count {
            let pair = options.values[index + 1].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { Bench.fail("--set takes NAME=VALUE") }
            settings[pair[0]] = pair[1]
        }
        self.settings = settings
        let followers = nodeCount - 1
        connections = options.int("connections", default: toAuthority ? 4 : max(4, followers))
        guard nodeCount >= 2, rate > 0, seconds > 0, batchSize > 0, connections > 0, senders >= connections else {
            Bench.fail("--nodes ≥ 2, --rate, --seconds, --batch, --connections > 0 and --senders ≥ --connections")
        }
        http = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(10), readTimeout: .seconds(60), maxConnectionsPerHost: connections + 4, maxResponseBodySize: 64 << 20))
    }

    /// One block as a node's `/rpc/ws/blocks` socket delivered it (or, for a frame that never
    /// came, as `GET /rpc/blocks/{h}` reads it: `at` nil).
    struct Arrival: Sendable {
        var at: Double?
        var hash: String
        var txCount: Int
        var timeMilliseconds: Int64
    }

    /// The harness's socket on one node.
    final class Feed: Sendable {
        let blocks = Mutex<[UInt64: Arrival]>([:])
        let closed = Mutex<String?>(nil)
        let connection: UnsafeSendableBox<WebSocketConnection>

        init(_ connection: WebSocketConnection) { self.connection = UnsafeSendableBox(connection) }
    }

    func run() async {
        let started = Bench.now()
        let watchdog = Task.detached { [timeout] in
            try? await Task.sleep(for: .seconds(timeout))
            if !Task.isCancelled { Bench.fail("net: still running after --timeout \(Int(timeout)) s") }
        }
        try? FileManager.default.removeItem(atPath: directory)
        let timestamp = UInt64(Bench.unixMilliseconds() / 1_000 - 10)
        let document = Setup.genesis(
            senders: senders, blockMilliseconds: UInt64(blockMilliseconds), maxBlockTransactions: maxBlockTransactions, timestamp: timestamp)
        Setup.writeFiles(directory: directory, document: document)
        let genesisPath = directory + "/genesis.json"
        let loadBefore = Bench.loadAverage()

        // Nodes.
        var nodes: [NodeProcess] = []
        nodes.append(
            await NodeProcess.start(
                binary: binary, name: "node0", directory: directory + "/node0", genesis: genesisPath, keyPath: directory + "/authority.json",
                settings: settings))
        for index in 1..<nodeCount {
            let peer = topology == .star ? nodes[0] : nodes[index - 1]
            nodes.append(
                await NodeProcess.start(
                    binary: binary, name: "node\(index)", directory: directory + "/node\(index)", genesis: genesisPath, keyPath: nil,
                    bootstrap: [peer.p2pAddress], settings: settings))
        }
        let authority = nodes[0]
        let followers = Array(nodes.dropFirst())
        let peeredIn = await waitForPeers(nodes)
        print(
            "## Chain network: \(nodeCount) nodes (\(topology.rawValue)), \(Stats.grouped(rate)) tx/s for \(Int(seconds)) s to "
                + (toAuthority ? "the authority" : "the followers") + " (load before \(loadBefore))")
        print(
            "nodes peered and at one head \(Stats.format(peeredIn, 1)) s after the first spawn; block_time_ms \(blockMilliseconds), "
                + "max_block_txs \(maxBlockTransactions), \(senders) senders, \(connections) connections, batches of \(batchSize)"
                + (settings.isEmpty ? "" : "; settings \(settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"))

        // The harness's own sockets.
        var feeds: [Feed] = []
        for node in nodes { feeds.append(await openFeed(node)) }
        let listeners = feeds.map { feed in Task { await Self.listen(feed) } }

        // Signed ahead, not timed.
        let total = Int(rate * seconds)
        let signStarted = Bench.now()
        let plan = sign(document: document, total: total)
        Bench.note("signed \(total) transfers in \(Stats.format(Bench.now() - signStarted)) s")

        let startHeight = await headHeight(authority) ?? 0
        let metricsBefore = await nodes.asyncMap { await MetricsScrape.fetch($0.base, client: http) ?? MetricsScrape() }
        let cpuBefore = nodes.map { $0.cpuSeconds ?? .nan }
        let ownCPUBefore = Bench.processCPUSeconds()
        let sendStarted = Bench.now()
        let outcomes = await withTaskGroup(of: SendOutcome.self) { group in
            for c in 0..<connections {
                let target = toAuthority ? authority : followers[c % followers.count]
                let batches = plan.batches[c]
                group.addTask { await send(batches, connection: c, to: target, started: sendStarted) }
            }
            var all: [SendOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let lastAnswered = outcomes.map(\.finishedAt).max() ?? sendStarted
        var problems = outcomes.flatMap(\.problems)
        let resent = outcomes.reduce(0) { $0 + $1.resent }
        if !problems.isEmpty { await finish(nodes, problems: problems) }

        // Convergence: every node holds the block that completes the set.
        let converged = await waitForConvergence(feeds: feeds, nodes: nodes, after: startHeight, total: total, deadline: lastAnswered + 60)
        let cpuAfter = nodes.map { $0.cpuSeconds ?? .nan }
        let window = Bench.now() - sendStarted
        let ownCPU = Bench.processCPUSeconds() - ownCPUBefore
        guard let converged else {
            let counts = feeds.map { feed in feed.blocks.withLock { $0.filter { $0.key > startHeight }.values.reduce(0) { $0 + $1.txCount } } }
            problems.append("not converged 60 s after the last batch: transfers in blocks per node \(counts), expected \(total)")
            await finish(nodes, problems: problems)
            return
        }
        let metricsAfter = await nodes.asyncMap { await MetricsScrape.fetch($0.base, client: http) ?? MetricsScrape() }

        // Agreement: one hash per height on every node, then the heads, then every sender's nonce.
        let snapshots = feeds.map { feed in feed.blocks.withLock { $0 } }
        for height in (startHeight + 1)...converged.height {
            let hashes = Set(snapshots.compactMap { $0[height]?.hash })
            if hashes.count > 1 { problems.append("height \(height): the nodes disagree, hashes \(hashes.sorted())") }
        }
        let headsAgree = await waitForEqualHeads(nodes)
        if !headsAgree { problems.append("the nodes' heads did not come to one hash within 10 s after convergence") }
        problems += await checkNonces(nodes, plan: plan)
        for (node, feed) in zip(nodes, feeds) {
            if let reason = feed.closed.withLock({ $0 }) { problems.append("\(node.name) closed the harness's socket: \(reason)") }
        }

        // Figures.
        let sendSeconds = lastAnswered - sendStarted
        print("")
        print("| figure | value |")
        print("|---|---|")
        print("| transfers sent / included on every node | \(total) / \(total) (heights \(startHeight + 1)…\(converged.height)) |")
        print("| sending (first batch → last answer) | \(Stats.format(sendSeconds)) s, \(Stats.grouped(Double(total) / sendSeconds)) tx/s admitted |")
        print("| resent after back-pressure (MEMPOOL_FULL and the gaps it caused) | \(resent) |")
        print("| **convergence** (last answer → every node has the block completing the set, one hash) | **\(ms(converged.at - lastAnswered))** (\(converged.perNode.enumerated().map { "node\($0.offset) \(ms($0.element - lastAnswered))" }.joined(separator: ", "))) |")
        print("| harness CPU (signing excluded) | \(Stats.format(ownCPU)) s |")
        print("")

        // Propagation, from the first block holding a transfer through the converged one.
        let loaded = ((startHeight + 1)...converged.height).filter { (snapshots[0][$0]?.txCount ?? 0) > 0 }
        let firstLoaded = loaded.first ?? startHeight + 1
        let heights = Array(firstLoaded...converged.height)
        let txCounts = heights.compactMap { snapshots[0][$0]?.txCount }.map(Double.init).sorted()
        print("blocks \(heights.count) (heights \(firstLoaded)…\(converged.height)); transfers per block p50 \(Stats.format(Stats.quantile(txCounts, 0.5), 0)), min \(Stats.format(txCounts.first ?? .nan, 0)), max \(Stats.format(txCounts.last ?? .nan, 0))")
        print("")
        print("| follower | blocks | socket arrival − authority's socket arrival p50 / p99 / max | authority socket − header time_ms p50 / p99 | node's `block_propagation_seconds` (import − header time) p50 / p99, n |")
        print("|---|---|---|---|---|")
        let authorityLag = heights.compactMap { h -> Double? in
            guard let arrival = snapshots[0][h], let at = arrival.at else { return nil }
            return at * 1_000 - Double(arrival.timeMilliseconds) + offsetMilliseconds
        }.sorted()
        for (index, follower) in followers.enumerated() {
            let snapshot = snapshots[index + 1]
            let delays = heights.compactMap { h -> Double? in
                guard let here = snapshot[h]?.at, let there = snapshots[0][h]?.at else { return nil }
                return (here - there) * 1_000
            }.sorted()
            let p50 = metricsAfter[index + 1].quantile("block_propagation_seconds", 0.5, since: metricsBefore[index + 1])
            let p99 = metricsAfter[index + 1].quantile("block_propagation_seconds", 0.99, since: metricsBefore[index + 1])
            print(
                "| \(follower.name)\(topology == .line ? " (\(index + 1) hop\(index == 0 ? "" : "s"))" : "") | \(delays.count) | "
                    + "**\(Stats.format(Stats.quantile(delays, 0.5)))** / **\(Stats.format(Stats.quantile(delays, 0.99)))** / \(Stats.format(delays.last ?? .nan)) ms | "
                    + "\(Stats.format(Stats.quantile(authorityLag, 0.5), 0)) / \(Stats.format(Stats.quantile(authorityLag, 0.99), 0)) ms | "
                    + "\(Stats.format(p50.value * 1_000, 0)) / \(Stats.format(p99.value * 1_000, 0)) ms, \(p99.count) |")
        }
        print("")
        print("| node | CPU over the window (% of one core) | gossip_dropped_total | p2p_peers_dropped_total | MEMPOOL_FULL rejections | other |")
        print("|---|---|---|---|---|---|")
        for (index, node) in nodes.enumerated() {
            let after = metricsAfter[index]
            let before = metricsBefore[index]
            let gossipDropped = Int(after.sum("gossip_dropped_total") - before.sum("gossip_dropped_total"))
            let peersDropped = after.nonZero("p2p_peers_dropped_total")
            let mempoolFull = Int(
                after.sum("chain_transactions_rejected_total", #"reason="MEMPOOL_FULL""#) - before.sum("chain_transactions_rejected_total", #"reason="MEMPOOL_FULL""#))
            let unlinked = Int(after.sum("p2p_unlinked_blocks_total") - before.sum("p2p_unlinked_blocks_total"))
            let duplicates = Int(after.sum("gossip_duplicates_total", #"topic="blocks""#) - before.sum("gossip_duplicates_total", #"topic="blocks""#))
            let cpu = (cpuAfter[index] - cpuBefore[index]) / window * 100
            print(
                "| \(node.name)\(index == 0 ? " (authority)" : "") | \(Stats.format(cpu, 0)) % (\(Stats.format(cpuAfter[index] - cpuBefore[index])) s) | "
                    + "\(gossipDropped) | \(peersDropped.isEmpty ? "0" : peersDropped.joined(separator: ", ")) | \(mempoolFull) | "
                    + "unlinked blocks \(unlinked), duplicate blocks \(duplicates) |")
        }
        print("window \(Stats.format(window)) s (first send → convergence); load after \(Bench.loadAverage()); whole run \(Stats.format(Bench.now() - started, 1)) s")
        watchdog.cancel()
        for task in listeners { task.cancel() }
        for feed in feeds where !feed.connection.value.isClosed { await feed.connection.value.close() }
        await finish(nodes, problems: problems)
    }

    /// Unix ms − monotonic ms, so a socket arrival (monotonic) compares with a header time.
    var offsetMilliseconds: Double { Double(Bench.unixMilliseconds()) - Bench.now() * 1_000 }

    func ms(_ seconds: Double) -> String { Stats.format(seconds * 1_000, 0) + " ms" }

    /// Stops every node (followers first), removes the directory unless `--keep`, and exits 1
    /// on problems.
    func finish(_ nodes: [NodeProcess], problems: [String]) async {
        for node in nodes.reversed() { await node.stop() }
        if keep || !problems.isEmpty {
            Bench.note("kept \(directory) (node logs and databases)")
        } else {
            try? FileManager.default.removeItem(atPath: directory)
        }
        if problems.isEmpty {
            print("OK: every transfer included on every node; one hash per height on every node; every sender's nonce matches on every node")
            return
        }
        for problem in problems.prefix(20) { print("PROBLEM: \(problem)") }
        exit(1)
    }

    // MARK: Peering

    /// Waits (≤ 60 s) until every follower has a peer and is not syncing, the authority has its
    /// expected peers, and every head has one hash; returns the seconds since the first spawn.
    func waitForPeers(_ nodes: [NodeProcess]) async -> Double {
        let started = Bench.now()
        let expectedAtAuthority = topology == .star ? nodes.count - 1 : 1
        while Bench.now() - started < 60 {
            var ready = true
            for (index, node) in nodes.enumerated() {
                guard let status = await get(node, "/rpc/syncStatus"), let peers = status["peers"]?.int64Value,
                    status["syncing"]?.boolValue == false
                else {
                    ready = false
                    break
                }
                if index == 0 ? peers < expectedAtAuthority : peers < 1 { ready = false }
            }
            if ready, await headsEqual(nodes) { return Bench.now() - started }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let statuses = await nodes.asyncMap { await get($0, "/rpc/syncStatus").map { "\($0)" } ?? "?" }
        await finish(nodes, problems: ["the nodes did not peer within 60 s: \(statuses)"])
        return .nan
    }

    func headsEqual(_ nodes: [NodeProcess]) async -> Bool {
        let hashes = await nodes.asyncMap { await get($0, "/rpc/head")?["hash"]?.stringValue }
        return hashes.allSatisfy { $0 != nil && $0 == hashes[0] }
    }

    /// The authority keeps making (empty) blocks: heads can differ for the moment a block takes
    /// to travel, so they are compared several times, ≤ 10 s.
    func waitForEqualHeads(_ nodes: [NodeProcess]) async -> Bool {
        let deadline = Bench.now() + 10
        while Bench.now() < deadline {
            if await headsEqual(nodes) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    // MARK: Sockets

    func openFeed(_ node: NodeProcess) async -> Feed {
        let configuration = WebSocketConfiguration(maxFrameSize: 64 << 20, maxMessageSize: 64 << 20)
        do {
            let connection = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(node.port)/rpc/ws/blocks", configuration: configuration, client: http)
            return Feed(connection)
        } catch {
            Bench.fail("\(node.name): /rpc/ws/blocks: \(error)")
        }
    }

    /// Records each block frame's arrival (the moment `receive` returns the whole frame).
    static func listen(_ feed: Feed) async {
        let connection = feed.connection.value
        while !Task.isCancelled {
            let message: WebSocketMessage?
            do {
                message = try await connection.receive()
            } catch {
                if !Task.isCancelled { feed.closed.withLock { $0 = "\(error)" } }
                return
            }
            let at = Bench.now()
            guard let message else {
                feed.closed.withLock { $0 = connection.closeStatus.map { "\($0.code) \($0.reason)" } ?? "closed" }
                return
            }
            guard case .text(let text) = message, let arrival = parse(Array(text.utf8), at: at) else { continue }
            feed.blocks.withLock { $0[arrival.height] = arrival.block }
        }
    }

    /// Height, hash, tx_count and time_ms of a BlockView frame, read without parsing its ids.
    static func parse(_ bytes: [UInt8], at: Double?) -> (height: UInt64, block: Arrival)? {
        guard let height = number(after: "\"height\":", in: bytes), let count = number(after: "\"tx_count\":", in: bytes),
            let time = number(after: "\"time_ms\":", in: bytes), let hash = string(after: "\"hash\":\"", in: bytes)
        else { return nil }
        return (height, Arrival(at: at, hash: hash, txCount: Int(count), timeMilliseconds: Int64(time)))
    }

    /// The index just after the first `key` in `bytes`.
    static func position(after key: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(key.utf8)
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var start = 0
        while start <= bytes.count - needle.count {
            if bytes[start] == first, bytes[start..<start + needle.count].elementsEqual(needle) { return start + needle.count }
            start += 1
        }
        return nil
    }

    /// The unsigned integer right after `key`.
    static func number(after key: String, in bytes: [UInt8]) -> UInt64? {
        guard var index = position(after: key, in: bytes) else { return nil }
        var value: UInt64 = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39, digits < 19 {
            value = value * 10 + UInt64(bytes[index] - 0x30)
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// The string value right after `key` (which ends with the opening quote).
    static func string(after key: String, in bytes: [UInt8]) -> String? {
        guard let start = position(after: key, in: bytes) else { return nil }
        guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Waits until each node's blocks after `start` hold `total` transfers; a height a socket
    /// skipped is read over REST. Returns the completing height (the same on every node, else
    /// a problem is reported by the caller's per-height hash check) and when each node got it.
    func waitForConvergence(feeds: [Feed], nodes: [NodeProcess], after start: UInt64, total: Int, deadline: Double) async -> (
        height: UInt64, at: Double, perNode: [Double]
    )? {
        var done: [(UInt64, Double)?] = Array(repeating: nil, count: feeds.count)
        while Bench.now() < deadline {
            for (index, feed) in feeds.enumerated() where done[index] == nil {
                var blocks = feed.blocks.withLock { $0 }
                guard let top = blocks.keys.max(), top > start else { continue }
                for height in (start + 1)...top where blocks[height] == nil {
                    // A frame the socket never delivered: read the block, no arrival time.
                    guard let body = await get(nodes[index], "/rpc/blocks/\(height)"), let hash = body["hash"]?.stringValue,
                        let count = body["tx_count"]?.int64Value, let time = body["time_ms"]?.int64Value
                    else { continue }
                    let arrival = Arrival(at: nil, hash: hash, txCount: Int(count), timeMilliseconds: time)
                    feed.blocks.withLock { $0[height] = arrival }
                    blocks[height] = arrival
                }
                var sum = 0
                for height in (start + 1)...top {
                    guard let block = blocks[height] else { break }
                    sum += block.txCount
                    if sum >= total {
                        done[index] = (height, block.at ?? Bench.now())
                        break
                    }
                }
            }
            if done.allSatisfy({ $0 != nil }) {
                let finished = done.compactMap { $0 }
                let height = finished.map(\.0).max() ?? start
                return (height, finished.map(\.1).max() ?? Bench.now(), finished.map(\.1))
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    // MARK: Sending

    typealias Signed = SignedTransfers.Transfer

    struct Plan: Sendable {
        /// Per connection, its batches in send order.
        var batches: [[ArraySlice<Signed>]]
        /// Per sender, the last nonce sent.
        var lastNonce: [UInt64]
        var addresses: [Address]
    }

    /// Connection c sends, in order, transfers of the senders s ≡ c (mod C), round-robin over
    /// them, nonces 1, 2, … per sender.
    func sign(document: GenesisDocument, total: Int) -> Plan {
        let keys = BenchKeys.senders(senders)
        let addresses = keys.map { Address(publicKey: $0.publicKey) }
        let perConnection = (0..<connections).map { c in total / connections + (c < total % connections ? 1 : 0) }
        let owned = (0..<connections).map { c in Array(stride(from: c, to: senders, by: connections)) }
        var entries: [(sender: Int, nonce: UInt64)] = []
        entries.reserveCapacity(total)
        for c in 0..<connections {
            for j in 0..<perConnection[c] { entries.append((owned[c][j % owned[c].count], UInt64(j / owned[c].count + 1))) }
        }
        let fixed = entries
        let chainID = document.chainID
        let parameters = document.parameters
        let signed = SignedTransfers.sign(fixed.map { (sender: $0.0, nonce: $0.1) }, keys: keys, addresses: addresses, chainID: chainID, parameters: parameters)
        let batches = SignedTransfers.batches(signed, perConnection: perConnection, batchSize: batchSize)
        var lastNonce = [UInt64](repeating: 0, count: senders)
        for transfer in signed { lastNonce[transfer.sender] = max(lastNonce[transfer.sender], transfer.nonce) }
        return Plan(batches: batches, lastNonce: lastNonce, addresses: addresses)
    }

    struct SendOutcome: Sendable {
        var problems: [String] = []
        var resent = 0
        var finishedAt: Double = 0
    }

    /// Sends one connection's batches, paced: batch i of connection c is due at
    /// `(i·C + c) · batch / rate` seconds after the start. Back-pressure is resent after 100 ms.
    func send(_ batches: [ArraySlice<Signed>], connection: Int, to node: NodeProcess, started: Double) async -> SendOutcome {
        var outcome = SendOutcome()
        for (index, batch) in batches.enumerated() {
            let due = started + Double((index * connections + connection) * batchSize) / rate
            let wait = due - Bench.now()
            if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
            var pending = Array(batch)
            var attempts = 0
            while !pending.isEmpty {
                attempts += 1
                guard attempts <= 200 else {
                    outcome.problems.append("\(node.name): batch \(index) of connection \(connection) still refused after 200 attempts")
                    return outcome
                }
                var body: [UInt8] = Array(#"{"txs":["#.utf8)
                body.reserveCapacity(pending.count * (pending[0].bytes.count + 1) + 16)
                for (position, transfer) in pending.enumerated() {
                    if position > 0 { body.append(UInt8(ascii: ",")) }
                    body += transfer.bytes
                }
                body += Array("]}".utf8)
                let response: HTTPClientResponse
                do {
                    response = try await http.execute(
                        HTTPClientRequest(method: .post, url: node.base + "/rpc/sendTxs", headers: ["Content-Type": "application/json"], body: body))
                } catch {
                    outcome.problems.append("\(node.name): sendTxs: \(error)")
                    return outcome
                }
                if response.status.code == 429 {
                    outcome.resent += pending.count
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                guard response.status.code == 200, let json = try? parser.parse(response.body), let answer = try? SendTxsResponse(json: json),
                    answer.results.count == pending.count
                else {
                    outcome.problems.append("\(node.name): sendTxs answered \(response.status.code): \(response.text.prefix(300))")
                    return outcome
                }
                var again: [Signed] = []
                for (transfer, item) in zip(pending, answer.results) {
                    guard case .rejected(let code, let message, _) = item else { continue }
                    if code == "MEMPOOL_FULL" || (code == "NONCE_GAP" && !again.isEmpty) {
                        again.append(transfer)
                    } else if code == "TX_ALREADY_INCLUDED" && attempts > 1 {
                        continue
                    } else {
                        outcome.problems.append("\(node.name): sender \(transfer.sender) nonce \(transfer.nonce): \(code) \(message)")
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

    // MARK: Reads

    func get(_ node: NodeProcess, _ path: String) async -> JSONValue? {
        guard let response = try? await http.execute(HTTPClientRequest(method: .get, url: node.base + path)), response.status.code == 200 else {
            return nil
        }
        return try? parser.parse(response.body)
    }

    func headHeight(_ node: NodeProcess) async -> UInt64? {
        await get(node, "/rpc/head")?["height"]?.int64Value.map(UInt64.init)
    }

    /// Every sender's account nonce on every node must be the last nonce it sent: a transfer
    /// lost anywhere shows here.
    func checkNonces(_ nodes: [NodeProcess], plan: Plan) async -> [String] {
        var problems: [String] = []
        for node in nodes {
            problems += await withTaskGroup(of: [String].self) { group in
                for c in 0..<4 {
                    group.addTask {
                        var problems: [String] = []
                        for index in stride(from: c, to: plan.addresses.count, by: 4) where plan.lastNonce[index] > 0 {
                            let nonce = await get(node, "/rpc/getBalance/\(plan.addresses[index].rawValue)")?["nonce"]?.int64Value
                            if nonce != Int64(plan.lastNonce[index]) {
                                problems.append("\(node.name): sender \(index) nonce \(nonce.map(String.init) ?? "?"), expected \(plan.lastNonce[index])")
                            }
                        }
                        return problems
                    }
                }
                var all: [String] = []
                for await part in group { all += part }
                return all
            }
        }
        return problems
    }
}

extension Array where Element: Sendable {
    /// `transform` over the elements one after another (async), results in order.
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        results.reserveCapacity(count)
        for element in self { results.append(await transform(element)) }
        return results
    }
}
