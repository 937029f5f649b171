import Cryptography
import Foundation
import JSON
import Receipts
import ServiceRuntime
import Synchronization
import TestSupport
import Testing
import WireModels

@testable import Miner

/// Records the GPU indices each job was given.
private final class GPURecordingExecutor: JobExecuting {
    let seen = Mutex<[String: [Int]]>([:])
    var runnerNames: [String] { ["echo"] }

    func execute(_ job: AssignedJob, context: ExecutionContext) async -> JobOutcome {
        seen.withLock { $0[job.jobID.rawValue] = context.gpuIndices }
        try? await Task.sleep(for: .milliseconds(300))
        return .completed(result: ["ok": true], metrics: .object([]))
    }
}

@Suite struct AgentReportTests {
    private func agent(gpuCount: Int = 0, key: Ed25519.PrivateKey? = nil, wallet: String? = nil) throws -> MinerAgent {
        var flags = ["node_id": "n-1"]
        flags["wallet_address"] = wallet
        let configuration = try MinerConfiguration.load(configPath: nil, environment: [:], flags: flags)
        let client = CoordinatorLink(baseURL: "http://127.0.0.1:9/v1", authToken: "t", nodeID: "n-1", timeout: .seconds(1))
        return MinerAgent(
            configuration: configuration, executor: GPURecordingExecutor(), client: client, store: JobStateStore(root: "/nonexistent"),
            capabilities: .object([]), gpuCount: gpuCount, key: key, logger: LogCapture().logger)
    }

    @Test func missingBillingMetricsAreFilledInGPUSecondsOnGPUSlots() throws {
        let report = try agent().makeReport(
            jobID: "j", outcome: .completed(result: ["x": 1], metrics: .object([])), elapsed: .milliseconds(1500), gpus: [0, 1])
        #expect(report.kind == .result)
        #expect(report.body["metrics"]?["duration_ms"]?.int64Value == 1500)
        #expect(report.body["metrics"]?["units"]?.doubleValue == 3.0)
        #expect(report.body["metrics"]?["unit_type"]?.stringValue == "gpu_seconds")
        #expect(report.body["claim"] == nil)  // no key, no claim
    }

    @Test func executorMetricsWinAndNonObjectResultsAreWrapped() throws {
        let key = Ed25519.PrivateKey.generate()
        let report = try agent(key: key).makeReport(
            jobID: "j", outcome: .completed(result: "text", metrics: ["duration_ms": 7, "units": 0.25, "unit_type": "cpu_seconds"]),
            elapsed: .seconds(3), gpus: [])
        #expect(report.body["result"] == ["output": "text"])
        #expect(report.body["metrics"] == ["duration_ms": 7, "units": 0.25, "unit_type": "cpu_seconds"])
        let claim = try #require(report.body["claim"].flatMap(WorkClaim.init(json:)))
        #expect(claim.units == 0.25 && claim.durationMilliseconds == 7 && claim.minerID == "n-1")
        #expect(WorkClaim.isValid(claim: try #require(report.body["claim"]), signature: try #require(report.body["claim_signature"]), publicKey: key.publicKey))
    }

    /// Every signed claim names its payout: `wallet_address`, else the signing key's own address.
    @Test func claimsNameTheWalletAddressOrTheKeysAddress() throws {
        let key = Ed25519.PrivateKey.generate()
        let outcome = JobOutcome.completed(result: ["x": 1], metrics: .object([]))
        let unset = try agent(key: key).makeReport(jobID: "j", outcome: outcome, elapsed: .seconds(1), gpus: [])
        let defaultClaim = try #require(unset.body["claim"])
        #expect(defaultClaim["payout_address"]?.stringValue == key.publicKey.address.description)
        #expect(try WorkClaim(json: defaultClaim)?.payout(minerKey: key.publicKey) == key.publicKey.address)

        let wallet = Ed25519.PrivateKey.generate().publicKey.address
        let set = try agent(key: key, wallet: wallet.description.uppercased()).makeReport(
            jobID: "j", outcome: outcome, elapsed: .seconds(1), gpus: [])
        let claim = try #require(set.body["claim"])
        #expect(claim["payout_address"]?.stringValue == wallet.description)  // written lowercase
        #expect(WorkClaim.isValid(claim: claim, signature: try #require(set.body["claim_signature"]), publicKey: key.publicKey))
    }

    @Test func failuresCarryCodeMessageAndDuration() throws {
        let report = try agent().makeReport(
            jobID: "j", outcome: .failed(code: .timeout, message: "ran past 2 s", metrics: .object([])), elapsed: .milliseconds(2100),
            gpus: [])
        #expect(report.kind == .fail)
        #expect(report.body["error_code"]?.stringValue == "E_TIMEOUT")
        #expect(report.body["error_message"]?.stringValue == "ran past 2 s")
        #expect(report.body["metrics"]?["duration_ms"]?.int64Value == 2100)
    }

    /// N = cpu + gpu slots with GPUs present; each GPU slot gets one GPU index.
    @Test func gpuSlotsGetOneGPUIndexEach() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let executor = GPURecordingExecutor()
        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-gpu")
        let configuration = try MinerConfiguration.load(
            configPath: nil, environment: [:],
            flags: [
                "node_id": agentTestNodeID, "coordinator.base_url": mock.baseURL, "coordinator.auth_token": agentTestToken,
                "heartbeat.interval_s": "0.05", "poll.interval_s": "0.02", "poll.max_wait_s": "0",
                "resources.max_concurrent_cpu": "1", "resources.max_concurrent_gpu": "2", "workspace.root": workspace.url.path,
            ])
        #expect(configuration.workerCount(gpuCount: 2) == 3)
        let client = CoordinatorLink(
            baseURL: configuration.coordinatorBaseURL, authToken: agentTestToken, nodeID: agentTestNodeID, timeout: .seconds(5))
        let agent = MinerAgent(
            configuration: configuration, executor: executor, client: client, store: JobStateStore(root: workspace.url.path),
            capabilities: .object([]), gpuCount: 2, key: nil, logger: LogCapture().logger)
        for index in 1...3 { mock.enqueue(jid("job-gpu-\(index)")) }
        let shutdown = ShutdownSignal(signals: [])
        let running = Task { await agent.run(shutdown: shutdown) }
        #expect(await eventually { mock.read { $0.results.count } == 3 })
        shutdown.fire(15)
        _ = await running.value
        #expect(mock.read { $0.registerCount == 1 })
        let assignments = executor.seen.withLock { Array($0.values) }.sorted { $0.first ?? -1 < $1.first ?? -1 }
        #expect(assignments == [[], [0], [1]])
        let units = mock.read { $0.results.values.compactMap { $0.first?["metrics"]?["unit_type"]?.stringValue } }.sorted()
        #expect(units == ["cpu_seconds", "gpu_seconds", "gpu_seconds"])
    }
}
