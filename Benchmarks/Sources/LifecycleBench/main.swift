import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Receipts
import Synchronization

// Coordinator lifecycle benchmark (issue 4), run by scripts/bench-coordinator.sh against a live
// aitbc-coordinator on 127.0.0.1. C client tasks submit N echo jobs (~200-byte bodies) over
// keep-alive HTTP; M miner tasks (one miner key each) register, long-poll and post results with
// metrics; the client tasks then fetch every job's result and receipt and verify the receipt's
// Ed25519 signature against the coordinator public key. Throughput = N / (first submit -> last
// verified receipt). The run fails (exit 1) when a job is lost, completed twice, assigned to two
// miners, a receipt does not verify, or /v1/admin/stats disagrees. It sends HTTP only and stops
// by itself after N jobs.
//
// Usage: LifecycleBench keygen                      -> "SEED_HEX PUBLIC_HEX" (fresh Ed25519 key)
//        LifecycleBench --port P --public-key HEX --client-key K --miner-keys K1,K2,... --admin-key K
//                       [--jobs 20000] [--clients 16] [--max-wait 2]
// Miners = number of miner keys (each key is a distinct principal, hence a distinct miner).

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "keygen" {
    let seed = SecureRandom.bytes(count: 32)
    let key = try Ed25519.PrivateKey(seedBytes: seed)
    print(Hex.encode(seed), key.publicKey.hex)
    exit(0)
}

func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("LifecycleBench: \(message)\n".utf8))
    exit(1)
}
guard let port = option("port").flatMap(Int.init), let publicHex = option("public-key"),
    let clientKey = option("client-key"), let minerKeyList = option("miner-keys"), let adminKey = option("admin-key")
else { fail("missing --port/--public-key/--client-key/--miner-keys/--admin-key") }
let jobCount = option("jobs").flatMap(Int.init) ?? 20_000
let clientCount = option("clients").flatMap(Int.init) ?? 16
let maxWait = option("max-wait").flatMap(Int.init) ?? 2
let minerKeys = minerKeyList.split(separator: ",").map(String.init)
let minerCount = minerKeys.count
guard jobCount > 0, clientCount > 0, minerCount > 0 else { fail("jobs, clients and miners must be positive") }
let coordinatorKey: Ed25519.PublicKey
do { coordinatorKey = try Ed25519.PublicKey(hex: publicHex) } catch { fail("bad --public-key: \(error)") }
let verifier = ReceiptVerifier(trustedKeys: [coordinatorKey])
let base = "http://127.0.0.1:\(port)"
let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20))

// One keep-alive pool for everybody: a connection per task, so no task waits for a slot.
let http = HTTPClient(
    configuration: HTTPClientConfiguration(
        connectTimeout: .seconds(10), readTimeout: .seconds(30), maxConnectionsPerHost: clientCount + minerCount + 2))
let clock = ContinuousClock()

/// Call kinds whose latency is reported.
enum Call: Int, CaseIterable {
    case submit, pollWithJob, resultPost, resultGet, receiptGet
    var name: String {
        switch self {
        case .submit: "POST /v1/jobs (submit)"
        case .pollWithJob: "POST /v1/miners/poll (200, with job)"
        case .resultPost: "POST /v1/miners/{id}/result"
        case .resultGet: "GET /v1/jobs/{id}/result"
        case .receiptGet: "GET /v1/jobs/{id}/receipt"
        }
    }
}

/// Latencies (ns) per call kind, collected per task and merged at the end.
struct Latencies: Sendable {
    var samples: [[UInt64]] = Array(repeating: [], count: Call.allCases.count)
    mutating func add(_ call: Call, _ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        samples[call.rawValue].append(UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000))
    }
    mutating func merge(_ other: Latencies) {
        for index in samples.indices { samples[index].append(contentsOf: other.samples[index]) }
    }
}

/// Shared bookkeeping for the correctness checks.
final class Ledger: Sendable {
    /// job_id -> miners it was handed to (from poll responses).
    let assignments = Mutex<[String: [Int]]>([:])
    /// job_id -> accepted result posts.
    let completions = Mutex<[String: Int]>([:])
    let completed = Atomic<Int>(0)
    /// `GET /result` answers 425 (asked before the job finished).
    let notReady = Atomic<Int>(0)
    let problems = Mutex<[String]>([])
    func problem(_ text: String) {
        problems.withLock { if $0.count < 20 { $0.append(text) } }
    }
}
let ledger = Ledger()

func call(_ method: HTTPMethod, _ path: String, key: String, body: String? = nil) async throws -> HTTPClientResponse {
    var headers: HTTPHeaders = ["X-Api-Key": key]
    if body != nil { headers = ["X-Api-Key": key, "Content-Type": "application/json"] }
    return try await http.execute(HTTPClientRequest(method: method, url: base + path, headers: headers, body: Array((body ?? "").utf8)))
}

/// Pads each prompt so that a submit body is ~200 bytes.
let promptPadding = String(repeating: "x", count: 120)

func submitPhase(client: Int, share: Range<Int>, latencies: inout Latencies) async throws -> [String] {
    var ids: [String] = []
    ids.reserveCapacity(share.count)
    for index in share {
        // ~200-byte body: the prompt pads the echo payload.
        let prompt = "job \(index) from client \(client): " + promptPadding
        let body = #"{"payload":{"runner":"echo","prompt":"\#(prompt)"},"constraints":{},"ttl_seconds":900}"#
        let started = clock.now
        let response = try await call(.post, "/v1/jobs", key: clientKey, body: body)
        latencies.add(.submit, clock.now - started)
        guard response.status.code == 201, let id = (try? parser.parse(response.body))?["job_id"]?.stringValue else {
            fail("submit \(index): \(response.status) \(response.text)")
        }
        ids.append(id)
    }
    return ids
}

func fetchPhase(ids: [String], latencies: inout Latencies) async throws -> Int {
    var pending = ids[...]
    var verified = 0
    var backoff = Duration.milliseconds(1)
    while let id = pending.popFirst() {
        var started = clock.now
        let result = try await call(.get, "/v1/jobs/\(id)/result", key: clientKey)
        if result.status.code == 425 {  // not finished yet: come back to it after the others
            ledger.notReady.add(1, ordering: .relaxed)
            pending.append(id)
            // Jobs finish roughly in submission order, so the next one in line is most likely not
            // finished either: back off (1, 2, 4, 8 ms; reset by the next finished job) instead of
            // asking the whole list again at once, as a polling client should.
            try await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .milliseconds(8))
            continue
        }
        latencies.add(.resultGet, clock.now - started)
        backoff = .milliseconds(1)
        guard result.status.code == 200, let body = try? parser.parse(result.body),
            body["state"]?.stringValue == "COMPLETED", body["result"]?["output"]?.stringValue?.hasPrefix("job ") == true
        else {
            ledger.problem("result \(id): \(result.status) \(result.text.prefix(200))")
            continue
        }
        started = clock.now
        let receiptResponse = try await call(.get, "/v1/jobs/\(id)/receipt", key: clientKey)
        latencies.add(.receiptGet, clock.now - started)
        guard receiptResponse.status.code == 200, let receipt = try? Receipt(parsing: receiptResponse.body) else {
            ledger.problem("receipt \(id): \(receiptResponse.status) \(receiptResponse.text.prefix(200))")
            continue
        }
        let verification = verifier.verify(receipt)
        guard verification.isVerified else {
            ledger.problem("receipt \(id) does not verify: \(verification.failureReasons)")
            continue
        }
        guard receipt[field: "job_id"]?.stringValue == id else {
            ledger.problem("receipt \(id) names job \(String(describing: receipt[field: "job_id"]))")
            continue
        }
        verified += 1
    }
    return verified
}

func miner(_ number: Int) async throws -> Latencies {
    var latencies = Latencies()
    let key = minerKeys[number]
    let registered = try await call(
        .post, "/v1/miners/register", key: key, body: #"{"capabilities":{"runners":["echo"]},"concurrency":1}"#)
    guard registered.status.code == 200 else { fail("register miner \(number): \(registered.status) \(registered.text)") }
    let pollBody = #"{"max_wait_seconds":\#(maxWait)}"#
    while ledger.completed.load(ordering: .relaxed) < jobCount {
        var started = clock.now
        let polled = try await call(.post, "/v1/miners/poll", key: key, body: pollBody)
        if polled.status.code == 204 { continue }
        guard polled.status.code == 200, let job = try? parser.parse(polled.body), let id = job["job_id"]?.stringValue else {
            fail("poll miner \(number): \(polled.status) \(polled.text)")
        }
        latencies.add(.pollWithJob, clock.now - started)
        let previous = ledger.assignments.withLock { table -> [Int] in
            let before = table[id] ?? []
            table[id, default: []].append(number)
            return before
        }
        if !previous.isEmpty { ledger.problem("job \(id) assigned to miners \(previous + [number])") }
        let output = job["payload"]?["prompt"]?.stringValue ?? ""
        let resultBody = #"{"result":{"output":"\#(output)"},"metrics":{"duration_ms":1,"units":0.001,"unit_type":"cpu_seconds"}}"#
        started = clock.now
        let posted = try await call(.post, "/v1/miners/\(id)/result", key: key, body: resultBody)
        latencies.add(.resultPost, clock.now - started)
        guard posted.status.code == 200 else {
            ledger.problem("result post \(id): \(posted.status) \(posted.text.prefix(200))")
            continue
        }
        let count = ledger.completions.withLock { table -> Int in
            table[id, default: 0] += 1
            return table[id] ?? 0
        }
        if count > 1 { ledger.problem("job \(id) completed \(count) times") }
        ledger.completed.add(1, ordering: .relaxed)
    }
    return latencies
}

let health = try await http.get(base + "/v1/health")
guard health.status.code == 200 else { fail("health: \(health.status)") }

let start = clock.now
let clientIDs = Mutex<[[String]]>([])
let (latencies, verified, finish) = try await withThrowingTaskGroup(of: (Latencies, Int, ContinuousClock.Instant).self) { group in
    for number in 0..<minerCount {
        group.addTask { (try await miner(number), 0, clock.now) }
    }
    for client in 0..<clientCount {
        let share = (jobCount * client / clientCount)..<(jobCount * (client + 1) / clientCount)
        group.addTask {
            var latencies = Latencies()
            let ids = try await submitPhase(client: client, share: share, latencies: &latencies)
            clientIDs.withLock { $0.append(ids) }
            let verified = try await fetchPhase(ids: ids, latencies: &latencies)
            return (latencies, verified, clock.now)
        }
    }
    var all = Latencies()
    var verified = 0
    var finish = start
    for try await (latencies, count, done) in group {
        all.merge(latencies)
        verified += count
        if count > 0 { finish = max(finish, done) }
    }
    return (all, verified, finish)
}
let elapsed = finish - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

// Correctness: every submitted id distinct, assigned once, completed once, verified; stats agree.
let submitted = clientIDs.withLock { $0.flatMap { $0 } }
if Set(submitted).count != jobCount || submitted.count != jobCount {
    ledger.problem("submitted \(submitted.count) ids, \(Set(submitted).count) distinct, expected \(jobCount)")
}
let assignments = ledger.assignments.withLock { $0 }
let completions = ledger.completions.withLock { $0 }
let unassigned = submitted.filter { assignments[$0] == nil }.count
let doubleAssigned = assignments.values.filter { $0.count > 1 }.count
let notCompleted = submitted.filter { completions[$0] != 1 }.count
if unassigned > 0 { ledger.problem("\(unassigned) jobs never assigned") }
if doubleAssigned > 0 { ledger.problem("\(doubleAssigned) jobs assigned more than once") }
if notCompleted > 0 { ledger.problem("\(notCompleted) jobs not completed exactly once") }
if verified != jobCount { ledger.problem("\(verified) receipts verified, expected \(jobCount)") }
let statsResponse = try await call(.get, "/v1/admin/stats", key: adminKey)
let stats = try? parser.parse(statsResponse.body)
let totalJobs = stats?["total_jobs"]?.int64Value
let completedJobs = stats?["completed"]?.int64Value
if totalJobs != Int64(jobCount) || completedJobs != Int64(jobCount) {
    ledger.problem("admin stats: total_jobs \(String(describing: totalJobs)), completed \(String(describing: completedJobs)), expected \(jobCount)")
}
await http.shutdown()

func percentile(_ sorted: [UInt64], _ p: Double) -> String {
    guard !sorted.isEmpty else { return "-" }
    let value = Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
    return String(format: "%.2f ms", value)
}
print("jobs \(jobCount), clients \(clientCount), miners \(minerCount), long-poll max_wait \(maxWait) s")
print(String(format: "elapsed %.2f s (first submit -> last verified receipt), %.0f completed jobs/s", seconds, Double(jobCount) / seconds))
print("GET /result answered 425 (not finished yet, asked again later): \(ledger.notReady.load(ordering: .relaxed))")
print("jobs verified \(verified), assigned once \(assignments.count - doubleAssigned), double-assigned \(doubleAssigned), admin stats total \(totalJobs.map(String.init) ?? "?") completed \(completedJobs.map(String.init) ?? "?")")
print("")
print("| call | count | p50 | p99 | max |")
print("|---|---|---|---|---|")
for kind in Call.allCases {
    let sorted = latencies.samples[kind.rawValue].sorted()
    print("| \(kind.name) | \(sorted.count) | \(percentile(sorted, 0.5)) | \(percentile(sorted, 0.99)) | \(percentile(sorted, 1.0)) |")
}
let problems = ledger.problems.withLock { $0 }
if !problems.isEmpty {
    print("\nFAILED:")
    for problem in problems { print("  \(problem)") }
    exit(1)
}
print("\nOK: no job lost, duplicated or double-assigned; every receipt verified")
