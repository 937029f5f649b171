import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Logging
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

@testable import Miner

@Suite(.serialized) struct AgentDaemonTests {
    /// The daemon end to end: key file, health/metrics on an ephemeral port, one job, drain → 0.
    @Test func daemonServesHealthAndMetricsAndDrainsToExitZero() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-daemon")
        let keyPath = directory.path("miner-key.json")
        let key = Ed25519Fixture.key
        let keyText = #"{"private_key_hex":"\#(Ed25519Fixture.seedHex)","public_key_hex":"\#(key.publicKey.hex)"}"#
        #expect(FileManager.default.createFile(atPath: keyPath, contents: Data(keyText.utf8), attributes: [.posixPermissions: 0o600]))
        let configuration = try MinerConfiguration.load(
            configPath: nil, environment: ["MINER_AUTH": agentTestToken],
            flags: [
                "node_id": agentTestNodeID, "coordinator.base_url": mock.baseURL, "coordinator.auth_token": "env:MINER_AUTH",
                "heartbeat.interval_s": "0.05", "poll.interval_s": "0.02", "poll.max_wait_s": "0", "health_bind": "127.0.0.1:0",
                "workspace.root": directory.path("jobs"), "key_file": keyPath,
            ])
        let logs = LogCapture()
        let daemon = MinerDaemon(configuration: configuration, executor: ProbeExecutor(), logger: logs.logger)
        let probe = HostProbe(
            cpu: .init(logicalCores: 1, arch: "x86_64", model: nil), memoryTotalBytes: nil, workspaceFreeBytes: nil, gpus: [], cuda: nil,
            gpuProbeError: nil)
        let shutdown = ShutdownSignal(signals: [])
        let port = Mutex<Int?>(nil)
        mock.enqueue(jid("job-daemon"))
        let running = Task { try await daemon.run(shutdown: shutdown, probe: probe) { bound in port.withLock { $0 = bound } } }

        #expect(await eventually { mock.read { $0.results[jid("job-daemon")]?.count == 1 && !$0.heartbeats.isEmpty } })
        #expect(mock.read { $0.publicKeyHex } == key.publicKey.hex)
        let bound = try #require(port.withLock { $0 })
        let client = HTTPClient()
        #expect(await eventually { JobStateStore(root: directory.path("jobs")).read(jobID: jid("job-daemon"))?.state == .done })
        try await Task.sleep(for: .milliseconds(100))
        let health = try await client.get("http://127.0.0.1:\(bound)/healthz")
        #expect(health.status.code == 200)
        let healthJSON = try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(health.body)
        #expect(healthJSON["status"]?.stringValue == "ok")
        #expect(healthJSON["registered"] == .bool(true))
        #expect(healthJSON["inflight"]?.int64Value == 0)
        #expect(healthJSON["last_heartbeat_ok"]?.stringValue?.hasSuffix("Z") == true)
        let ready = try await client.get("http://127.0.0.1:\(bound)/readyz")
        #expect(ready.status.code == 200)
        let metrics = try await client.get("http://127.0.0.1:\(bound)/metrics")
        #expect(metrics.text.contains("miner_jobs_total"))
        #expect(metrics.text.contains("miner_inflight"))
        await client.shutdown()

        shutdown.fire(15)
        #expect(try await running.value == 0)
        var info = stat()
        #expect(stat(directory.path("jobs"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(logs.all.allSatisfy { !$0.contains(agentTestToken) })
    }

    @Test func daemonRefusesToStartWithoutToken() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-daemon")
        let configuration = try MinerConfiguration.load(
            configPath: nil, environment: [:], flags: ["workspace.root": directory.path("jobs"), "health_bind": "127.0.0.1:0"])
        let daemon = MinerDaemon(configuration: configuration, executor: ProbeExecutor(), logger: LogCapture().logger)
        await #expect(throws: ConfigurationError.missing(setting: "coordinator.auth_token")) {
            _ = try await daemon.run(shutdown: ShutdownSignal(signals: []))
        }
    }

    @Test func healthJSONReportsDraining() {
        let json = MinerHealthRoutes.healthJSON(.init(registered: false, draining: true, inflight: 2, lastHeartbeatOK: nil))
        #expect(json["status"]?.stringValue == "draining")
        #expect(json["registered"] == .bool(false))
        #expect(json["inflight"]?.int64Value == 2)
        #expect(json["last_heartbeat_ok"] == .null)
    }
}
