import Foundation
import HTTPClient
import Synchronization
import WebSocket

// WebSocket fan-out benchmark: 1 publisher -> N subscribers through AITBCPeer's broadcaster.
// Usage: WSFanoutBench PORT [subscribers=1000] [messages=500] [window=32]
// The publisher keeps at most `window` messages ahead of the slowest subscriber (below the
// server's per-connection queue of 256, so nobody is dropped as a slow consumer), which measures
// the highest fan-out rate the server sustains without loss. Each message carries its send time;
// latency = receive time - send time on one monotonic clock (publisher and subscribers share
// this process). Traffic goes to 127.0.0.1 only and stops after `messages`.
let arguments = Array(CommandLine.arguments.dropFirst())
let port = Int(arguments.first ?? "8092") ?? 8092
let subscriberCount = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
let messageCount = arguments.count > 2 ? Int(arguments[2]) ?? 500 : 500
let window = arguments.count > 3 ? Int(arguments[3]) ?? 32 : 32

let clock = ContinuousClock()
let origin = clock.now
/// Nanoseconds since start on the monotonic clock shared by publisher and subscribers.
func nanosSinceOrigin() -> UInt64 {
    let (seconds, attoseconds) = (clock.now - origin).components
    return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
}

/// Per-subscriber received counts (the publisher's flow control) and all latencies.
final class Tally: Sendable {
    final class Count: Sendable { let value = Atomic<Int>(0) }
    let received: [Count]
    let latencies = Mutex<[UInt64]>([])
    init(count: Int) { received = (0..<count).map { _ in Count() } }
    func slowest() -> Int { received.map { $0.value.load(ordering: .relaxed) }.min() ?? 0 }
}

let client = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(10), readTimeout: .seconds(30)))
let tally = Tally(count: subscriberCount)
var subscribers: [WebSocketConnection] = []
for _ in 0..<subscriberCount {
    subscribers.append(try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/ws/subscribe", client: client))
}
let publisher = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/ws/publish", client: client)
try await Task.sleep(for: .milliseconds(500))  // let the server register every subscriber

let start = clock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for (index, connection) in subscribers.enumerated() {
        group.addTask {
            var local: [UInt64] = []
            local.reserveCapacity(messageCount)
            while local.count < messageCount, let message = try await connection.receive() {
                guard case .binary(let bytes) = message, bytes.count == 16 else { continue }
                let sent = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                local.append(nanosSinceOrigin() &- sent)
                tally.received[index].value.add(1, ordering: .relaxed)
            }
            let collected = local
            tally.latencies.withLock { $0.append(contentsOf: collected) }
        }
    }
    group.addTask {
        for sequence in 0..<messageCount {
            while sequence - tally.slowest() >= window { try await Task.sleep(for: .microseconds(200)) }
            var payload = [UInt8](repeating: 0, count: 16)
            var stamp = nanosSinceOrigin()
            for byte in (0..<8).reversed() { payload[byte] = UInt8(stamp & 0xff); stamp >>= 8 }
            payload[8] = UInt8(truncatingIfNeeded: sequence)
            try publisher.send(binary: payload)
        }
    }
    try await group.waitForAll()
}
let elapsed = clock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let latencies = tally.latencies.withLock { $0 }.sorted()
func percentile(_ sorted: [UInt64], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
}
let deliveries = latencies.count
print(String(format: "subscribers %d, messages %d, deliveries %d (expected %d), %.2f s", subscriberCount, messageCount, deliveries, subscriberCount * messageCount, seconds))
print(String(format: "published %.0f msg/s, delivered %.0f msg/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms",
             Double(messageCount) / seconds, Double(deliveries) / seconds, percentile(latencies, 0.5), percentile(latencies, 0.99), percentile(latencies, 1.0)))
for connection in subscribers { await connection.close() }
await publisher.close()
exit(deliveries == subscriberCount * messageCount ? 0 : 1)
