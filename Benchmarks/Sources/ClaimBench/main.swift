// Claim latency with many queued jobs the polling miner cannot run (issue 10, defect 2).
//
// Two coordinator stores on SQLite files in one process: "empty" (nothing else queued) and
// "loaded" (N jobs whose constraints no miner matches, spread over Q constraint sets and C
// clients). Each round submits one job the miner can run to each store and times the miner's
// claim of it; rounds alternate which store goes first, so both see the same machine.
//
// Usage: ClaimBench [--jobs N=100000] [--queues Q=1] [--clients C=10] [--rounds R=2000] [--dir D=/tmp]
// Output: "claim <store> n=.. mean_us=.. p50_us=.. p99_us=.. max_us=.." per store, and a
// "check" line confirming every claim found its job.
import Coordinator
import Foundation
import JSON
import WireModels

struct Options {
    var jobs = 100_000
    var queues = 1
    var clients = 10
    var rounds = 2_000
    var directory = "/tmp"
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    while let argument = arguments.next() {
        guard let text = arguments.next() else { fatalError("\(argument) needs a value") }
        switch argument {
        case "--jobs": options.jobs = Int(text) ?? options.jobs
        case "--queues": options.queues = max(1, Int(text) ?? options.queues)
        case "--clients": options.clients = max(1, Int(text) ?? options.clients)
        case "--rounds": options.rounds = max(1, Int(text) ?? options.rounds)
        case "--dir": options.directory = text
        default: fatalError("unknown argument \(argument)")
        }
    }
    return options
}

func openStore(_ path: String, quota: Int) async throws -> CoordinatorStore {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    var configuration = CoordinatorConfiguration()
    configuration.databasePath = path
    configuration.dataDirectory = path + ".data"
    configuration.maxQueuedJobsPerClient = max(quota, 1)
    let store = try await CoordinatorStore.open(configuration: configuration)
    _ = try await store.registerMiner(
        minerID: "miner-1", MinerRegistration(capabilities: ["price": 1], concurrency: 64, region: "eu"))
    return store
}

let options = parseOptions()
let clock = ContinuousClock()
let perClient = (options.jobs + options.clients - 1) / options.clients
let empty = try await openStore(options.directory + "/aitbc-claimbench-empty.db", quota: perClient + 1)
let loaded = try await openStore(options.directory + "/aitbc-claimbench-loaded.db", quota: perClient + 1)

// Load: N unmatchable jobs (a GPU nobody has), 64 submitters at a time (group commit).
let loadStart = clock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    let workers = 64
    for worker in 0..<workers {
        group.addTask {
            var index = worker
            while index < options.jobs {
                let constraints = JobConstraints(gpu: "no-such-gpu-\(index % options.queues)")
                _ = try await loaded.submit(
                    clientID: "client-\(index % options.clients)",
                    JobSubmission(payload: ["type": "sleep"], constraints: constraints, ttlSeconds: 86_400, idempotencyKey: nil))
                index += workers
            }
        }
    }
    try await group.waitForAll()
}
print("check loaded \(options.jobs) unmatchable jobs in \(options.queues) constraint sets from \(options.clients) clients in \(clock.now - loadStart)")

var samples: [String: [Double]] = ["empty": [], "loaded": []]
var found = 0
for round in 0..<options.rounds {
    let order = round % 2 == 0 ? [("empty", empty), ("loaded", loaded)] : [("loaded", loaded), ("empty", empty)]
    for (name, store) in order {
        let job = try await store.submit(
            clientID: "client-normal", JobSubmission(payload: ["type": "sleep"], constraints: JobConstraints(), ttlSeconds: 600, idempotencyKey: nil))
        let start = clock.now
        let claimed = try await store.claimNextJob(minerID: "miner-1")
        let elapsed = clock.now - start
        if claimed?.jobID == job.job.id { found += 1 }
        let (s, atto) = elapsed.components
        samples[name, default: []].append(Double(s) * 1e6 + Double(atto) / 1e12)
        // Frees the miner's slot (inflight − 1) for the next round.
        _ = try await store.cancel(jobID: job.job.id, clientID: "client-normal")
    }
}

for name in ["empty", "loaded"] {
    let sorted = (samples[name] ?? []).sorted()
    guard !sorted.isEmpty else { continue }
    func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    let mean = sorted.reduce(0, +) / Double(sorted.count)
    print(
        String(
            format: "claim %@ n=%d mean_us=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f", name, sorted.count, mean, percentile(0.5),
            percentile(0.99), sorted[sorted.count - 1]))
}
print("check found \(found) of \(2 * options.rounds) claims")
if found != 2 * options.rounds { exit(1) }
