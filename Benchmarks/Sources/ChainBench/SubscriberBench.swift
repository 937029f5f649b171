import BenchSupport
import Foundation
import HTTPClient
import Synchronization
import WebSocket

/// `subscribers`: issue 14's WebSocket target against a live node — `--subscribers` sockets on
/// `/rpc/ws/blocks` for `--seconds` while something else (scripts/bench-chain.sh runs
/// `ChainBench load --rate`) fills the blocks. Each frame's delivery latency is the receive
/// time minus the block's header time (`time_ms`: the producer stamps it as it starts the
/// block, so execution and commit are inside the figure) — the frame's first bytes carry it,
/// so the client reads no more of a 100 KB+ frame than that. Also: the spread between the
/// first and the last subscriber to get a block, frames lost (heights skipped), sockets closed
/// by the node (4008), and the node's CPU over the window (`--pid`).
struct SubscriberBench {
    let port: Int
    let subscribers: Int
    let seconds: Double
    let nodePID: Int32?

    init(_ options: Options) {
        port = options.int("port", default: 8080)
        subscribers = options.int("subscribers", default: 1_000)
        seconds = Double(options.int("seconds", default: 30))
        nodePID = options.string("pid").flatMap { Int32($0) }
    }

    /// What one subscriber saw.
    struct Seen: Sendable {
        var latencies: [Double] = []
        var arrivals: [UInt64: Double] = [:]
        var gaps = 0
        var closedBy: String?
    }

    func run() async {
        let client = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(10), readTimeout: .seconds(30)))
        var connections: [WebSocketConnection] = []
        let configuration = WebSocketConfiguration(maxFrameSize: 64 << 20, maxMessageSize: 64 << 20)
        for index in 0..<subscribers {
            do {
                connections.append(
                    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/rpc/ws/blocks", configuration: configuration, client: client))
            } catch {
                Bench.fail("subscriber \(index): \(error)")
            }
        }
        print("\(subscribers) subscribers on /rpc/ws/blocks; measuring for \(Int(seconds)) s")
        let cpuStart = nodePID.flatMap { Bench.cpuSeconds(pid: $0) }
        let started = Bench.now()
        let deadline = started + seconds
        let results = await withTaskGroup(of: Seen.self) { group in
            for connection in connections {
                group.addTask { await Self.listen(connection, until: deadline) }
            }
            var all: [Seen] = []
            for await seen in group { all.append(seen) }
            return all
        }
        let elapsed = Bench.now() - started
        var cpu: Double?
        if let cpuStart, let pid = nodePID, let cpuEnd = Bench.cpuSeconds(pid: pid) { cpu = cpuEnd - cpuStart }
        for connection in connections where !connection.isClosed { await connection.close() }

        let latencies = results.flatMap(\.latencies).sorted()
        var spreads: [Double] = []
        var heights: Set<UInt64> = []
        for seen in results { heights.formUnion(seen.arrivals.keys) }
        for height in heights {
            let times = results.compactMap { $0.arrivals[height] }
            guard times.count == results.count, let first = times.min(), let last = times.max() else { continue }
            spreads.append((last - first) * 1_000)
        }
        spreads.sort()
        let closed = results.filter { $0.closedBy != nil }
        print("| subscribers | blocks | frames | p50 | p99 | max | spread first→last p99 | gaps | closed by node | node CPU |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        let p50 = Stats.format(Stats.quantile(latencies, 0.5))
        let p99 = Stats.format(Stats.quantile(latencies, 0.99))
        let worst = Stats.format(latencies.last ?? .nan)
        let spread = Stats.format(Stats.quantile(spreads, 0.99))
        let gaps = results.map(\.gaps).reduce(0, +)
        var cpuText = "n/a"
        if let cpu { cpuText = Stats.format(cpu / elapsed * 100, 0) + " % of one core" }
        let frames = Stats.grouped(Double(latencies.count))
        print("| \(subscribers) | \(heights.count) | \(frames) | \(p50) ms | \(p99) ms | \(worst) ms | \(spread) ms | \(gaps) | \(closed.count) | \(cpuText) |")
        if let reason = closed.first?.closedBy { print("first close: \(reason)") }
    }

    /// Receives until the deadline; per frame, the latency from the header time.
    static func listen(_ connection: WebSocketConnection, until deadline: Double) async -> Seen {
        var seen = Seen()
        var last: UInt64?
        while Bench.now() < deadline {
            let message: WebSocketMessage?
            do {
                message = try await withDeadline(deadline) { try await connection.receive() }
            } catch {
                break
            }
            guard let message else {
                seen.closedBy = connection.closeStatus.map { "\($0.code) \($0.reason)" } ?? "closed"
                break
            }
            guard case .text(let text) = message else { continue }
            let now = Bench.now()
            let prefix = text.utf8.prefix(400)
            guard let height = number(after: "\"height\":", in: prefix), let time = number(after: "\"time_ms\":", in: prefix) else { continue }
            // time_ms is Unix time: compare with the wall clock, not the monotonic `now`.
            seen.latencies.append(Bench.unixMillisecondsFraction() - Double(time))
            seen.arrivals[height] = now
            if let last, height > last + 1 { seen.gaps += Int(height - last - 1) }
            last = height
        }
        return seen
    }

    /// Runs `body`, giving up (nil) at `deadline`.
    static func withDeadline<T: Sendable>(_ deadline: Double, _ body: @escaping @Sendable () async throws -> T?) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(max(0, (deadline - Bench.now()) * 1_000))))
                throw CancellationError()
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// The unsigned integer after `key` in `bytes`.
    static func number(after key: String, in bytes: Substring.UTF8View.SubSequence) -> UInt64? {
        let needle = Array(key.utf8)
        let haystack = Array(bytes)
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            var value: UInt64 = 0
            var index = start + needle.count
            var digits = 0
            while index < haystack.count, haystack[index] >= 0x30, haystack[index] <= 0x39 {
                value = value &* 10 &+ UInt64(haystack[index] - 0x30)
                index += 1
                digits += 1
            }
            return digits > 0 ? value : nil
        }
        return nil
    }
}
