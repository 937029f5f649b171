import Cryptography
import Foundation
import JSON
import Synchronization
import TestSupport
import ServiceRuntime
import Testing

/// Durability of the real binary: clients and miners work it over HTTP, it is SIGKILLed
/// under load and restarted on the same data directory. No acknowledged (201) job may be
/// lost, none may be completed twice, and RUNNING jobs of miners that vanished with the
/// crash go back to the queue and finish on another miner. Loopback only; bounded time;
/// only the coordinator's own pid is ever signalled.
@Suite(.serialized, .enabled(if: TestPaths.product("aitbc-coordinator") != nil, "aitbc-coordinator is not built (swift build --build-tests builds it)"))
struct CoordinatorCrashRecoveryTests {
    /// What the load generators saw before the crash.
    final class Ledger: Sendable {
        let acknowledged = Mutex<Set<String>>([])
        /// Job id → receipt id of every result the coordinator answered 200.
        let completed = Mutex<[String: String]>([:])
        let stop = Atomic<Bool>(false)
    }

    static let clientKey = "crash-client-key"
    /// Jobs submitted before the submitters idle.
    static let maxJobs = 300
    static let minerKeys = ["m1": "crash-miner-1", "m2": "crash-miner-2", "m3": "crash-miner-3", "late": "crash-miner-late"]

    func settings(seed: String) -> [String: String] {
        [
            "APP_ENV": "test", "CLIENT_API_KEYS": "alice:\(Self.clientKey)",
            "MINER_API_KEYS": Self.minerKeys.map { "\($0.key):\($0.value)" }.sorted().joined(separator: ","),
            "ADMIN_API_KEYS": "ops:crash-admin-key", "RECEIPT_SIGNING_KEY_HEX": seed,
            "HEARTBEAT_INTERVAL_SECONDS": "1", "HEARTBEAT_TIMEOUT_SECONDS": "2", "RATE_LIMIT_REQUESTS": "1000000",
            "MAX_ATTEMPTS": "100",
        ]
    }

    /// Runs `body` on its own thread: Dispatch's pool on Linux does not grow for threads blocked
    /// in poll(2), so five blocking load generators there would take turns instead of overlapping.
    static func thread(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.start()
    }

    /// Runs blocking work on a thread of its own.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T { await onOwnThread(body) }

    static func call(_ port: Int, _ method: String, _ path: String, key: String?, body: String? = nil) -> HTTPTestResponse? {
        try? CoordinatorServerHarness.blockingRequest(port: port, method, path, key: key, headers: [], body: body)
    }

    @Test func sigkillUnderLoadLosesNoAcknowledgedJobAndCompletesNoneTwice() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-crash")
        let seed = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
        let first = try await CoordinatorProcess(
            binary: CoordinatorExecutableTests.binary, dataDirectory: directory.path("data"), settings: settings(seed: seed),
            workDirectory: directory.url.path)
        let ledger = Ledger()
        let port = first.port

        // Load: two submitters, three miners (one of them never reports, so some jobs are RUNNING at the kill).
        let workers = DispatchGroup()
        for submitter in 0..<2 {
            Self.thread(workers) {
                var index = 0
                while !ledger.stop.load(ordering: .relaxed) {
                    // Bounded: past the cap the submitters idle, so the checks after the restart stay small.
                    if ledger.acknowledged.withLock({ $0.count }) >= Self.maxJobs {
                        usleep(10_000)
                        continue
                    }
                    index += 1
                    let body = #"{"payload":{"submitter":\#(submitter),"n":\#(index)}}"#
                    guard let response = Self.call(port, "POST", "/v1/jobs", key: Self.clientKey, body: body) else { continue }
                    if response.status == 201, let id = (try? response.json())?["job_id"]?.stringValue {
                        ledger.acknowledged.withLock { _ = $0.insert(id) }
                    }
                }
            }
        }
        for miner in ["m1", "m2", "m3"] {
            let key = Self.minerKeys[miner] ?? ""
            Self.thread(workers) {
                _ = Self.call(port, "POST", "/v1/miners/register", key: key, body: #"{"capabilities":{},"concurrency":4}"#)
                while !ledger.stop.load(ordering: .relaxed) {
                    // Live miners heartbeat (HEARTBEAT_TIMEOUT_SECONDS is 2 here), so nothing is requeued before the crash.
                    _ = Self.call(port, "POST", "/v1/miners/heartbeat", key: key, body: "{}")
                    guard let poll = Self.call(port, "POST", "/v1/miners/poll", key: key, body: #"{"max_wait_seconds":1}"#),
                        poll.status == 200, let jobID = (try? poll.json())?["job_id"]?.stringValue
                    else { continue }
                    // m3 takes jobs and never finishes them: they are RUNNING when the coordinator dies.
                    if miner == "m3" { continue }
                    let result = #"{"result":{"by":"\#(miner)"},"metrics":{"duration_ms":1}}"#
                    if let done = Self.call(port, "POST", "/v1/miners/\(jobID)/result", key: key, body: result), done.status == 200,
                        let receiptID = (try? done.json())?["receipt"]?["receipt_id"]?.stringValue
                    {
                        ledger.completed.withLock { $0[jobID] = receiptID }
                    }
                }
            }
        }
        // Run until there is real load on both sides, bounded.
        let loadDeadline = ContinuousClock.now.advanced(by: .seconds(20))
        while ContinuousClock.now < loadDeadline {
            let acknowledged = ledger.acknowledged.withLock { $0.count }
            let completed = ledger.completed.withLock { $0.count }
            if acknowledged >= 150, completed >= 40 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        first.child.send(SIGKILL)
        #expect(await first.child.wait(timeout: .seconds(10)) == 128 + SIGKILL)
        ledger.stop.store(true, ordering: .relaxed)
        await withCheckedContinuation { continuation in workers.notify(queue: .global()) { continuation.resume() } }

        let acknowledged = ledger.acknowledged.withLock { $0 }
        let completedBefore = ledger.completed.withLock { $0 }
        #expect(acknowledged.count > 0)
        #expect(completedBefore.count > 0)
        print("crash test: killed after \(acknowledged.count) acknowledged, \(completedBefore.count) completed jobs")

        // Restart on the same data directory; a fresh miner drains the queue.
        let second = try await CoordinatorProcess(
            binary: CoordinatorExecutableTests.binary, dataDirectory: directory.path("data"), settings: settings(seed: seed),
            workDirectory: directory.url.path)
        defer { second.child.send(SIGKILL) }
        let port2 = second.port
        let pending = acknowledged.subtracting(completedBefore.keys)
        // The blocking HTTP exchanges run on a thread of their own, not on the cooperative pool.
        let after = await Self.offPool { () -> (lost: Set<String>, remaining: Set<String>, receipts: [String: [JSONValue]]) in
            let lost = acknowledged.filter { Self.call(port2, "GET", "/v1/jobs/\($0)", key: Self.clientKey)?.status != 200 }
            let lateKey = Self.minerKeys["late"] ?? ""
            _ = Self.call(port2, "POST", "/v1/miners/register", key: lateKey, body: #"{"capabilities":{},"concurrency":8}"#)
            let drainDeadline = ContinuousClock.now.advanced(by: .seconds(60))
            var remaining = pending
            while !remaining.isEmpty, ContinuousClock.now < drainDeadline {
                _ = Self.call(port2, "POST", "/v1/miners/heartbeat", key: lateKey, body: "{}")
                if let poll = Self.call(port2, "POST", "/v1/miners/poll", key: lateKey, body: #"{"max_wait_seconds":1}"#),
                    poll.status == 200, let jobID = (try? poll.json())?["job_id"]?.stringValue
                {
                    _ = Self.call(port2, "POST", "/v1/miners/\(jobID)/result", key: lateKey, body: #"{"result":{"by":"late"}}"#)
                    continue
                }
                // Nothing assignable right now: see what is still open (requeues wait for the heartbeat timeout).
                remaining = remaining.filter { id in
                    (try? Self.call(port2, "GET", "/v1/jobs/\(id)", key: Self.clientKey)?.json())?["state"] != "COMPLETED"
                }
            }
            var receipts: [String: [JSONValue]] = [:]
            for id in acknowledged {
                let history = try? Self.call(port2, "GET", "/v1/jobs/\(id)/receipts", key: Self.clientKey)?.json()
                receipts[id] = history?["items"]?.arrayValue ?? []
            }
            return (lost, remaining, receipts)
        }
        // Every acknowledged job survived the crash.
        #expect(after.lost.isEmpty, "acknowledged jobs lost: \(after.lost.count)")
        // m3's jobs were RUNNING on a miner that vanished: requeued by the sweeper and finished by "late".
        #expect(after.remaining.isEmpty, "jobs never completed after restart: \(after.remaining.count)")
        var requeuedAndFinished = 0
        for id in acknowledged {
            let items = after.receipts[id] ?? []
            // Completed exactly once: one receipt, and for jobs finished before the crash the same one.
            #expect(items.count == 1, "job \(id) has \(items.count) receipts")
            if let before = completedBefore[id] {
                #expect(items.first?["receipt_id"]?.stringValue == before)
            } else if items.first?["provider"] == "late" {
                requeuedAndFinished += 1
            }
        }
        #expect(requeuedAndFinished > 0)
        second.child.send(SIGTERM)
        #expect(await second.child.wait(timeout: .seconds(30)) == 0)
    }
}
