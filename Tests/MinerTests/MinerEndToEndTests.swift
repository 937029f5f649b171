import Cryptography
import Foundation
import Glibc
import HTTP1
import HTTPClient
import JSON
import Miner
import Synchronization
import TestSupport
import ServiceRuntime
import Testing

/// Real processes over loopback: an `aitbc-coordinator`, `aitbc-miner`s with their own keys and
/// sandboxes, and this test as the client. Receipts are checked with the `aitbc` binary.
private final class Cluster: Sendable {
    static let clientKey = "e2e-client-key"
    static let minerKeys = ["miner-a": "e2e-miner-a-key", "miner-b": "e2e-miner-b-key"]

    let directory: TemporaryDirectory
    let coordinatorBinary: String
    let minerBinary: String
    let cliBinary: String
    let signingSeedHex: String
    let publicKeyHex: String
    let heartbeatTimeoutSeconds: Int
    let http = HTTPClient()
    private let state = Mutex<(coordinator: CoordinatorProcess?, miners: [String: ChildProcess])>((nil, [:]))

    /// Runs `body` with a fresh cluster and always stops what it started, by pid, even when
    /// `body` throws (a leaked daemon would outlive the test run).
    static func with(heartbeatTimeoutSeconds: Int, _ body: (Cluster) async throws -> Void) async throws {
        let cluster = try Cluster(heartbeatTimeoutSeconds: heartbeatTimeoutSeconds)
        do {
            try await body(cluster)
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }

    init(heartbeatTimeoutSeconds: Int) throws {
        directory = try TemporaryDirectory(prefix: "aitbc-e2e")
        coordinatorBinary = try #require(TestPaths.product("aitbc-coordinator"))
        minerBinary = try #require(TestPaths.product("aitbc-miner"))
        cliBinary = try #require(TestPaths.product("aitbc"))
        signingSeedHex = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
        publicKeyHex = try Ed25519.PrivateKey(seedHex: signingSeedHex).publicKey.hex
        self.heartbeatTimeoutSeconds = heartbeatTimeoutSeconds
        // The allowlisted CLI tools: `tagger` prints its one argument, `sleeper` sleeps.
        try tool("tagger", script: "echo \"tag=$1\"", args: #"[["job-[0-9]{1,4}"]]"#)
        try tool("sleeper", script: "sleep \"$1\"\necho slept", args: #"[["[0-9]{1,2}"]]"#)
        try tool("flood", script: "head -c 52428800 /dev/zero | tr '\\000' a\necho END", args: "[]")
    }

    private func tool(_ name: String, script: String, args: String) throws {
        let path = directory.path("\(name).sh")
        try writeExecutableScript("#!/bin/sh\n" + script + "\n", to: path)
        try "command: { path: \"\(path)\" }\nargs: \(args)\nmax_runtime_s: 60\n".write(
            toFile: directory.path("\(name).yaml"), atomically: true, encoding: .utf8)
    }

    var coordinator: CoordinatorProcess? { state.withLock { $0.coordinator } }
    var baseURL: String { coordinator?.baseURL ?? "http://127.0.0.1:9/v1" }

    /// Starts the coordinator on `port` (0: a free one) over the cluster's data directory.
    func startCoordinator(port: Int = 0) async throws {
        let process = try await CoordinatorProcess(
            binary: coordinatorBinary, dataDirectory: directory.path("coordinator"),
            settings: [
                "APP_ENV": "e2e", "CLIENT_API_KEYS": "alice:\(Self.clientKey)",
                "MINER_API_KEYS": Self.minerKeys.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","),
                "ADMIN_API_KEYS": "ops:e2e-admin", "RECEIPT_SIGNING_KEY_HEX": signingSeedHex,
                "HEARTBEAT_INTERVAL_SECONDS": "1", "HEARTBEAT_TIMEOUT_SECONDS": String(heartbeatTimeoutSeconds),
                "RATE_LIMIT_REQUESTS": "1000000", "POLL_MAX_WAIT_SECONDS": "2",
            ],
            workDirectory: directory.url.path, port: port)
        state.withLock { $0.coordinator = process }
    }

    /// SIGKILLs the coordinator (no drain) and waits for it to be gone.
    func killCoordinator() async {
        guard let process = coordinator else { return }
        process.child.send(SIGKILL)
        _ = await process.child.wait()
    }

    /// Starts (or restarts, over the same workspace and key) the miner `id`.
    @discardableResult
    func startMiner(_ id: String) async throws -> ChildProcess {
        let home = directory.path(id)
        let keyFile = home + "/key.json"
        if !FileManager.default.fileExists(atPath: keyFile) {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            let made = try await ChildProcess.run(
                cliBinary, ["keygen", "--out", keyFile], environment: TestPaths.baseEnvironment(), directory: home)
            #expect(made.status == 0, "aitbc keygen: \(made.stderr)")
        }
        let config = """
            node_id: \(id)
            coordinator: { base_url: "\(baseURL)", auth_token: "env:MINER_AUTH", timeout_s: 5 }
            heartbeat: { interval_s: 0.5, backoff: { min_s: 0.1, max_s: 1 } }
            poll: { interval_s: 0.1, max_wait_s: 1 }
            runners: { cli: { enable: true, allowlist_files: ["\(directory.path("tagger.yaml"))", "\(directory.path("sleeper.yaml"))", "\(directory.path("flood.yaml"))"] } }
            resources: { max_concurrent_cpu: 2, max_concurrent_gpu: 0 }
            jobs: { kill_grace_s: 1 }
            workspace: { root: "\(home)/jobs" }
            key_file: "\(keyFile)"
            health_bind: "127.0.0.1:0"
            drain_timeout_s: 10
            """
        try config.write(toFile: home + "/miner.yaml", atomically: true, encoding: .utf8)
        var environment = TestPaths.baseEnvironment()
        environment["MINER_AUTH"] = Self.minerKeys[id]
        let child = try ChildProcess(minerBinary, ["run", "--config", home + "/miner.yaml"], environment: environment, directory: home)
        state.withLock { $0.miners[id] = child }
        return child
    }

    func miner(_ id: String) -> ChildProcess? { state.withLock { $0.miners[id] } }

    /// The miner's public key id (what its work claims are signed with).
    func minerKeyID(_ id: String) throws -> String? {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory.path(id) + "/key.json"))
        return try e2eParser.parse(Array(data))["key_id"]?.stringValue
    }

    var clientHeaders: HTTPHeaders { ["X-Api-Key": Self.clientKey, "Content-Type": "application/json"] }

    func submit(_ payload: JSONValue) async throws -> String {
        let body = try JSONSerializer().serialize(["payload": payload, "ttl_seconds": 3_600])
        let response = try await http.post("\(baseURL)/jobs", body: body, headers: clientHeaders)
        #expect(response.status.code == 201, "submit: \(response.text)")
        return try #require(try e2eParser.parse(response.body)["job_id"]?.stringValue)
    }

    /// The job view, or nil while the coordinator is unreachable.
    func job(_ id: String) async -> JSONValue? {
        guard let response = try? await http.get("\(baseURL)/jobs/\(id)", headers: clientHeaders), response.status.code == 200 else {
            return nil
        }
        return try? e2eParser.parse(response.body)
    }

    func get(_ path: String) async throws -> JSONValue {
        let response = try await http.get("\(baseURL)\(path)", headers: clientHeaders)
        #expect(response.status.code == 200, "GET \(path): \(response.text)")
        return try e2eParser.parse(response.body)
    }

    /// Waits until every job in `ids` is terminal (or `timeout` passes); their final views.
    func waitTerminal(_ ids: [String], timeout: Duration) async -> [String: JSONValue] {
        var views: [String: JSONValue] = [:]
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for id in ids where views[id] == nil {
                if let view = await job(id), let state = view["state"]?.stringValue,
                    ["COMPLETED", "FAILED", "CANCELED", "EXPIRED"].contains(state)
                {
                    views[id] = view
                }
            }
            if views.count == ids.count { break }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return views
    }

    /// `aitbc receipt verify FILE --key-hex <coordinator key>`: its exit status.
    func verifyWithCLI(_ receipt: JSONValue, name: String) async throws -> Int32 {
        let path = directory.path("receipt-\(name).json")
        try Data(try JSONSerializer().serialize(receipt)).write(to: URL(fileURLWithPath: path))
        let result = try await ChildProcess.run(
            cliBinary, ["receipt", "verify", path, "--key-hex", publicKeyHex], environment: TestPaths.baseEnvironment(),
            directory: directory.url.path)
        return result.status
    }

    /// The process group a miner recorded for `jobID` in its state.json, once it has one.
    func recordedProcessGroup(miner: String, jobID: String) async -> Int32? {
        let path = directory.path(miner) + "/jobs/\(jobID)/state.json"
        for _ in 0..<300 {
            if let data = FileManager.default.contents(atPath: path), let state = try? e2eParser.parse(Array(data)),
                let group = state["pgid"]?.int64Value, group > 0
            {
                return Int32(group)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    private let stopped = Mutex(false)

    /// Stops everything this cluster started, by pid: miners with SIGTERM (drain), then the
    /// coordinator. Once only; later calls return at once.
    func shutdown() async {
        guard !stopped.withLock({ was in defer { was = true }; return was }) else { return }
        let (coordinator, miners) = state.withLock { ($0.coordinator, $0.miners) }
        for child in miners.values {
            child.send(SIGTERM)
            _ = await child.wait(timeout: .seconds(30))
        }
        if let coordinator { await coordinator.stop() }
        await http.shutdown()
    }
}

private let e2eParser = JSONParser(limits: .init(maxInputBytes: 16 << 20))

private let e2eBinariesBuilt =
    TestPaths.product("aitbc-coordinator") != nil && TestPaths.product("aitbc-miner") != nil && TestPaths.product("aitbc") != nil

@Suite("End to end: coordinator, miners and a client as real processes", .serialized, .enabled(if: e2eBinariesBuilt, "binaries not built"))
struct MinerEndToEndTests {
    /// 200 jobs of four runners, two miners, the coordinator SIGKILLed and restarted on the same
    /// port mid-run: every job completes exactly once, with one receipt `aitbc receipt verify`
    /// accepts that carries the executing miner's signed work claim.
    @Test func twoHundredMixedJobsSurviveACoordinatorCrash() async throws {
        try await Cluster.with(heartbeatTimeoutSeconds: 5) { cluster in
            try await cluster.startCoordinator()
            let port = try #require(cluster.coordinator?.port)
            try await cluster.startMiner("miner-a")
            try await cluster.startMiner("miner-b")

            var expected: [String: (kind: String, detail: String)] = [:]
            for index in 0..<200 {
                let (payload, kind, detail): (JSONValue, String, String) =
                    switch index % 4 {
                    case 0: (["type": "echo", "input": .string("echo \(index)")], "echo", "echo \(index)")
                    case 1: (["type": "sha256", "input": .string("payload \(index)")], "sha256", "payload \(index)")
                    // ≈ 2 s of the four slots in all: the crash still lands mid-run when this
                    // process is slowed by the suites beside it (at 0.02 s the miners once finished all 200 first).
                    case 2: (["type": "sleep", "seconds": 0.15], "sleep", "")
                    default: (["type": "cli", "command": "tagger", "args": [.string("job-\(index)")]], "cli", "tag=job-\(index)")
                    }
                expected[try await cluster.submit(payload)] = (kind, detail)
            }
            let ids = Array(expected.keys)

            // Crash the coordinator once a third of the jobs are done, then bring it back on its port.
            let deadline = ContinuousClock.now + .seconds(90)
            var completedBeforeCrash: Int64 = 0
            while ContinuousClock.now < deadline, completedBeforeCrash < 70 {
                try await Task.sleep(for: .milliseconds(100))
                completedBeforeCrash = try await cluster.get("/admin/stats", admin: true)["completed"]?.int64Value ?? 0
            }
            await cluster.killCoordinator()
            #expect(completedBeforeCrash < 200, "the crash must come mid-run")
            try await Task.sleep(for: .milliseconds(500))
            try await cluster.startCoordinator(port: port)

            let views = await cluster.waitTerminal(ids, timeout: .seconds(120))
            #expect(views.count == 200)
            #expect(views.values.allSatisfy { $0["state"] == "COMPLETED" }, "\(views.values.filter { $0["state"] != "COMPLETED" })")

            let keyIDs = ["miner-a": try cluster.minerKeyID("miner-a"), "miner-b": try cluster.minerKeyID("miner-b")]
            var providers: [String: Int] = [:]
            for id in ids {
                // Exactly one receipt per job: completed once, never twice.
                let history = try await cluster.get("/jobs/\(id)/receipts")
                let receipts = history["items"]?.arrayValue ?? []
                #expect(receipts.count == 1, "job \(id) has \(receipts.count) receipts")
                let receipt = try #require(receipts.first)
                #expect(try await cluster.verifyWithCLI(receipt, name: id) == 0, "aitbc receipt verify refused the receipt of \(id)")
                let provider = try #require(receipt["provider"]?.stringValue)
                providers[provider, default: 0] += 1
                #expect(receipt["metadata"]?["work_claim"]?["miner_id"]?.stringValue == provider)
                #expect(receipt["metadata"]?["miner_signature"]?["key_id"]?.stringValue == keyIDs[provider] ?? nil)
                // The result is the runner's, for this job's input.
                let result = try await cluster.get("/jobs/\(id)/result")["result"]
                let (kind, detail) = try #require(expected[id])
                switch kind {
                case "echo": #expect(result?["echo"]?["input"]?.stringValue == detail)
                case "sha256": #expect(result?["sha256"]?.stringValue == Hex.encode(SHA256.hash(utf8: detail)))
                case "sleep": #expect(result?["slept_s"] != nil)
                default: #expect(result?["stdout_tail"]?.stringValue == detail + "\n")
                }
            }
            #expect(providers.keys.sorted() == ["miner-a", "miner-b"], "\(providers)")
            let stats = try await cluster.get("/admin/stats", admin: true)
            #expect(stats["completed"] == 200)
            #expect(stats["total_jobs"] == 200)
            await cluster.shutdown()
            for id in ["miner-a", "miner-b"] {
                #expect(cluster.miner(id)?.exitStatus == 0, "\(id) did not drain cleanly")
                let log = cluster.miner(id)?.stdout ?? ""
                let token = Cluster.minerKeys[id] ?? "?"
                #expect(!log.contains(token), "\(id) logged its token")
            }
        }
    }

    /// A miner SIGKILLed mid-job and not restarted: its heartbeat stops, the coordinator
    /// requeues the job, and the other miner runs it to a verified receipt.
    @Test func aKilledMinersJobIsFinishedByTheOther() async throws {
        try await Cluster.with(heartbeatTimeoutSeconds: 2) { cluster in
            try await cluster.startCoordinator()
            let minerA = try await cluster.startMiner("miner-a")
            let jobID = try await cluster.submit(["type": "cli", "command": "sleeper", "args": ["3"], "timeout_s": 30])
            let group = try #require(await cluster.recordedProcessGroup(miner: "miner-a", jobID: jobID))
            #expect(await cluster.job(jobID)?["assigned_miner_id"] == "miner-a")
            minerA.send(SIGKILL)
            _ = await minerA.wait()
            try await cluster.startMiner("miner-b")

            let views = await cluster.waitTerminal([jobID], timeout: .seconds(60))
            #expect(views[jobID]?["state"] == "COMPLETED")
            let receipt = try await cluster.get("/jobs/\(jobID)/receipt")
            #expect(receipt["provider"] == "miner-b")
            #expect(try await cluster.verifyWithCLI(receipt, name: jobID) == 0)
            // The orphaned command of the killed miner finishes on its own (3 s); nothing of it stays.
            #expect(await processGroupGone(group))
        }
    }

    /// spec/miner.md §13.6: SIGKILL mid-job and restart — the job is reported E_MINER_RESTART
    /// and the process group the dead miner left behind is killed.
    @Test func aRestartedMinerReportsItsLostJobAndKillsItsProcessGroup() async throws {
        try await Cluster.with(heartbeatTimeoutSeconds: 60) { cluster in
            try await cluster.startCoordinator()
            let minerA = try await cluster.startMiner("miner-a")
            let jobID = try await cluster.submit(["type": "cli", "command": "sleeper", "args": ["30"], "timeout_s": 60])
            let group = try #require(await cluster.recordedProcessGroup(miner: "miner-a", jobID: jobID))
            minerA.send(SIGKILL)
            _ = await minerA.wait()
            #expect(kill(-group, 0) == 0, "the job's process group outlives the miner until recovery")

            try await cluster.startMiner("miner-a")
            let views = await cluster.waitTerminal([jobID], timeout: .seconds(30))
            #expect(views[jobID]?["state"] == "FAILED")
            #expect(views[jobID]?["error"]?.stringValue?.hasPrefix(MinerErrorCode.minerRestart.rawValue) == true)
            #expect(await processGroupGone(group))
            if kill(-group, 0) == 0 { kill(-group, SIGKILL) }
        }
    }
}

extension MinerEndToEndTests {
    /// spec/miner.md §13.12 on the real daemon: 50 MiB of stdout leaves a stdout.log of at most
    /// the 10 MiB cap (tail kept) and the miner's peak RSS grows by less than 100 MiB.
    @Test func fiftyMebibytesOfStdoutStayCappedAndOutOfTheMinersMemory() async throws {
        try await Cluster.with(heartbeatTimeoutSeconds: 60) { cluster in
            try await cluster.startCoordinator()
            let miner = try await cluster.startMiner("miner-a")
            // Registered and idle: the baseline.
            #expect(await eventually { miner.stdout.contains(#""event":"registered""#) })
            let baseline = try #require(Self.memoryKiB(pid: miner.pid, field: "VmRSS"))
            let jobID = try await cluster.submit(["type": "cli", "command": "flood", "timeout_s": 120])
            let views = await cluster.waitTerminal([jobID], timeout: .seconds(120))
            #expect(views[jobID]?["state"] == "COMPLETED")
            let peak = try #require(Self.memoryKiB(pid: miner.pid, field: "VmHWM"))
            #expect(peak - baseline < 100 * 1024, "miner RSS grew from \(baseline) KiB to a peak of \(peak) KiB")
            let log = cluster.directory.path("miner-a") + "/jobs/\(jobID)/logs/stdout.log"
            let size = try #require(try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int)
            #expect(size <= 10 * 1024 * 1024)
            let result = try await cluster.get("/jobs/\(jobID)/result")["result"]
            #expect(result?["stdout_tail"]?.stringValue?.hasSuffix("aaaaEND\n") == true)
        }
    }

    /// A `/proc/<pid>/status` field in KiB.
    static func memoryKiB(pid: Int32, field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
}

extension MinerEndToEndTests {
    /// A client cancels RUNNING jobs (a CLI one whose process group runs a 60 s sleep, a
    /// built-in sleep of 1e308 s): the coordinator names them in the miner's next heartbeat
    /// answer, the miner kills them without reporting, and both of its slots take the next jobs
    /// long before either sleep would have ended.
    @Test func aCanceledRunningJobIsStoppedOnItsMiner() async throws {
        try await Cluster.with(heartbeatTimeoutSeconds: 60) { cluster in
            try await cluster.startCoordinator()
            let miner = try await cluster.startMiner("miner-a")
            let command = try await cluster.submit(["type": "cli", "command": "sleeper", "args": ["60"], "timeout_s": 120])
            let endless = try await cluster.submit(["type": "sleep", "seconds": 1e308])
            let group = try #require(await cluster.recordedProcessGroup(miner: "miner-a", jobID: command))
            #expect(await cluster.waitState([command, endless], "RUNNING", timeout: .seconds(30)))

            for id in [command, endless] {
                let canceled = try await cluster.http.post("\(cluster.baseURL)/jobs/\(id)/cancel", body: [], headers: cluster.clientHeaders)
                #expect(canceled.status.code == 200, "cancel: \(canceled.text)")
            }
            // Two slots, both held by canceled jobs until the miner stops them.
            let next = [
                try await cluster.submit(["type": "cli", "command": "tagger", "args": ["job-1"], "timeout_s": 30]),
                try await cluster.submit(["type": "echo", "input": "after"]),
            ]
            let views = await cluster.waitTerminal(next, timeout: .seconds(40))
            #expect(next.map { views[$0]?["state"] } == ["COMPLETED", "COMPLETED"])
            #expect(await processGroupGone(group))
            #expect(await cluster.job(command)?["state"] == "CANCELED")
            #expect(await cluster.job(endless)?["state"] == "CANCELED")
            #expect(await eventually { miner.stdout.components(separatedBy: #""event":"job_stopped""#).count == 3 })
            #expect(miner.stdout.contains("canceled_by_coordinator"))
            // Not reported: the coordinator had settled them (such a report would be answered 409).
            #expect(!miner.stdout.contains("report_superseded"))
        }
    }
}

extension Cluster {
    /// Waits until every job in `ids` is in `state` (or `timeout` passes); whether they all are.
    func waitState(_ ids: [String], _ state: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var all = true
            for id in ids {
                if await job(id)?["state"]?.stringValue != state { all = false }
            }
            if all { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// GET with the admin key (`admin: true`) or the client key.
    func get(_ path: String, admin: Bool) async throws -> JSONValue {
        guard admin else { return try await get(path) }
        let headers: HTTPHeaders = ["X-Api-Key": "e2e-admin"]
        let response = try await http.get("\(baseURL)\(path)", headers: headers)
        #expect(response.status.code == 200, "GET \(path): \(response.text)")
        return try e2eParser.parse(response.body)
    }
}
