import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Receipts
import ServiceRuntime
import Synchronization
import TestSupport
import Testing
import WireModels

@testable import Miner

/// A real `aitbc-coordinator` on an ephemeral port with this suite's keys.
private func startCoordinator(
    _ directory: TemporaryDirectory, binary: String, extra: [String: String] = [:]
) async throws -> CoordinatorProcess {
    try await CoordinatorProcess(
        binary: binary, dataDirectory: directory.path("coordinator"),
        settings: [
            "APP_ENV": "integration", "CLIENT_API_KEYS": "alice:\(integrationClientKey)",
            "MINER_API_KEYS": "\(agentTestNodeID):\(agentTestToken)", "ADMIN_API_KEYS": "ops:integration-admin",
            "RECEIPT_SIGNING_KEY_HEX": String(repeating: "17", count: 32), "POLL_MAX_WAIT_SECONDS": "1",
        ].merging(extra) { _, new in new },
        workDirectory: directory.url.path)
}

private let integrationClientKey = "integration-client-key"

@Suite(.serialized, .enabled(if: TestPaths.product("aitbc-coordinator") != nil, "aitbc-coordinator is not built"))
struct AgentCoordinatorIntegrationTests {
    /// The miner against the real coordinator: job completed, receipt billed from the miner's
    /// metrics and naming the configured `wallet_address` as the signed claim's payout, and an
    /// exact replay of the persisted report is accepted as already delivered.
    @Test func minerCompletesJobAgainstRealCoordinator() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-integration")
        let coordinator = try await startCoordinator(directory, binary: try #require(TestPaths.product("aitbc-coordinator")))
        let wallet = Ed25519.PrivateKey.generate().publicKey.address.description
        let harness = try AgentHarness(
            baseURL: coordinator.baseURL, executor: ProbeExecutor(duration: .milliseconds(50)),
            flags: ["poll.max_wait_s": "1", "wallet_address": wallet])
        let running = harness.start()
        let http = HTTPClient()
        let headers: HTTPHeaders = ["X-Api-Key": integrationClientKey, "Content-Type": "application/json"]
        let submit = try await http.post(
            "\(coordinator.baseURL)/jobs",
            body: Array(#"{"payload":{"type":"echo","input":"integration"},"constraints":{},"ttl_seconds":600}"#.utf8), headers: headers)
        #expect(submit.status.code == 201)
        let jobID = try #require(try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(submit.body)["job_id"]?.stringValue)

        var state: String?
        for _ in 0..<500 where state != "COMPLETED" {
            try await Task.sleep(for: .milliseconds(20))
            let view = try await http.get("\(coordinator.baseURL)/jobs/\(jobID)", headers: headers)
            state = (try? JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(view.body))?["state"]?.stringValue
        }
        #expect(state == "COMPLETED")
        let receiptResponse = try await http.get("\(coordinator.baseURL)/jobs/\(jobID)/receipt", headers: headers)
        #expect(receiptResponse.status.code == 200)
        #expect(receiptResponse.text.contains(agentTestNodeID))
        #expect(receiptResponse.text.contains("cpu_seconds"))
        let receipt = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(receiptResponse.body)
        let workClaim = try #require(receipt["metadata"]?["work_claim"])
        #expect(workClaim["payout_address"]?.stringValue == wallet)
        #expect(WorkClaim(json: workClaim)?.payoutAddress == wallet)

        #expect(await eventually { JobStateStore(root: harness.workspace.url.path).read(jobID: jobID)?.state == .done })
        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
        await http.shutdown()
        await coordinator.stop()
    }

    /// A coordinator that requires signed bodies (`HMAC_SECRET`): the miner signs every POST
    /// with `coordinator.hmac_secret` and completes the job; without the secret it cannot register.
    @Test func minerSignsBodiesForACoordinatorWithHMACSecret() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-integration")
        let secret = "integration-hmac-secret"
        let coordinator = try await startCoordinator(
            directory, binary: try #require(TestPaths.product("aitbc-coordinator")), extra: ["HMAC_SECRET": secret])
        let http = HTTPClient()
        let body = Array(#"{"payload":{"type":"echo","input":"signed"},"constraints":{},"ttl_seconds":600}"#.utf8)
        var headers: HTTPHeaders = ["X-Api-Key": integrationClientKey, "Content-Type": "application/json"]
        headers.add(name: "X-Signature", value: Hex.encode(HMACSHA256.authenticationCode(key: Array(secret.utf8), message: body)))
        let submit = try await http.post("\(coordinator.baseURL)/jobs", body: body, headers: headers)
        #expect(submit.status.code == 201)
        let jobID = try #require(try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(submit.body)["job_id"]?.stringValue)

        let unsigned = CoordinatorLink(baseURL: coordinator.baseURL, authToken: agentTestToken, nodeID: agentTestNodeID, timeout: .seconds(5))
        let refused = await unsigned.register(capabilities: .object([]), concurrency: 1, region: nil, publicKeyHex: nil)
        guard case .rejected(401, "INVALID_SIGNATURE", let message) = refused else {
            Issue.record("register answered \(refused)")
            return
        }
        #expect(message?.isEmpty == false)

        let harness = try AgentHarness(
            baseURL: coordinator.baseURL, executor: ProbeExecutor(duration: .milliseconds(20)),
            flags: ["poll.max_wait_s": "1", "coordinator.hmac_secret": secret])
        let running = harness.start()
        #expect(await eventually { JobStateStore(root: harness.workspace.url.path).read(jobID: jobID)?.state == .done })
        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
        await http.shutdown()
        await coordinator.stop()
    }

    /// The coordinator's exact-replay rule as the miner's delivery logic reads it: a result
    /// re-sent unchanged is 200 (delivered), a different one 409 (settled), an unknown job 404.
    @Test func coordinatorReplayAnswersMatchDeliveryClassification() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-integration")
        let coordinator = try await startCoordinator(directory, binary: try #require(TestPaths.product("aitbc-coordinator")))
        let http = HTTPClient()
        let headers: HTTPHeaders = ["X-Api-Key": integrationClientKey, "Content-Type": "application/json"]
        let submit = try await http.post(
            "\(coordinator.baseURL)/jobs", body: Array(#"{"payload":{"type":"echo"},"constraints":{},"ttl_seconds":600}"#.utf8),
            headers: headers)
        let jobID = try #require(try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(submit.body)["job_id"]?.stringValue)
        let client = CoordinatorLink(baseURL: coordinator.baseURL, authToken: agentTestToken, nodeID: agentTestNodeID, timeout: .seconds(5))
        #expect(await client.heartbeat(inflight: 0, draining: false, metadata: .object([])).isNotFound)
        #expect(await client.register(capabilities: ["runners": ["echo"]], concurrency: 1, region: nil, publicKeyHex: nil) != .noContent)
        let polled = await client.poll(maxWaitSeconds: 1)
        guard case .job(let job) = polled else {
            Issue.record("poll answered \(polled)")
            return
        }
        #expect(job.jobID.rawValue == jobID)
        let report = PendingReport(kind: .result, body: ["result": ["echo": "x"], "metrics": ["duration_ms": 3, "units": 0.003, "unit_type": "cpu_seconds"]])
        #expect(MinerAgent.delivery(of: await client.submit(jobID: jobID, report: report)) == .delivered)
        let replay = await client.submit(jobID: jobID, report: report)
        #expect(replay.label == "ok")
        let different = PendingReport(kind: .result, body: ["result": ["echo": "y"], "metrics": .object([])])
        let conflict = await client.submit(jobID: jobID, report: different)
        #expect(conflict.label == "http_409")
        #expect(MinerAgent.delivery(of: conflict) == .delivered)
        let gone = await client.submit(jobID: "0123456789abcdef0123456789abcdef", report: report)
        #expect(gone.isNotFound)
        #expect(MinerAgent.delivery(of: gone) == .abandoned)
        // A job this miner completed is never named in `stop_jobs`, even while it still lists it.
        #expect(await client.heartbeat(inflight: 0, draining: false, metadata: .object([]), jobs: [jobID]) == .ok(["status": "ok"]))
        #expect(await client.heartbeat(inflight: 0, draining: true, metadata: .object([])) == .ok(["status": "ok"]))
        await http.shutdown()
        await coordinator.stop()
    }
}

/// Drain against the real coordinator: a long-poll parked there when SIGTERM comes must not
/// take the next job for a miner that has exited (issue: a drained miner's CLOSE-WAIT poll was
/// assigned a job that stayed RUNNING until the heartbeat timeout).
@Suite(.serialized, .enabled(if: TestPaths.product("aitbc-coordinator") != nil, "aitbc-coordinator is not built"))
struct AgentCoordinatorDrainTests {
    @Test func drainedMinersParkedPollTakesNoJob() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-integration")
        let coordinator = try await startCoordinator(
            directory, binary: try #require(TestPaths.product("aitbc-coordinator")), extra: ["POLL_MAX_WAIT_SECONDS": "20"])
        let harness = try AgentHarness(
            baseURL: coordinator.baseURL, executor: ProbeExecutor(duration: .milliseconds(20)),
            flags: ["poll.max_wait_s": "20", "heartbeat.interval_s": "30"])
        let running = harness.start()
        // Registered and a poll is parked at the coordinator.
        #expect(await eventually { harness.agent.state.withLock { $0.registered && !$0.polls.isEmpty } })
        try await Task.sleep(for: .milliseconds(300))
        harness.shutdown.fire(15)
        #expect(await running.value == .drained)

        let http = HTTPClient()
        let headers: HTTPHeaders = ["X-Api-Key": integrationClientKey, "Content-Type": "application/json"]
        let submit = try await http.post(
            "\(coordinator.baseURL)/jobs",
            body: Array(#"{"payload":{"type":"echo","input":"after drain"},"constraints":{},"ttl_seconds":600}"#.utf8), headers: headers)
        #expect(submit.status.code == 201)
        let jobID = try #require(try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(submit.body)["job_id"]?.stringValue)
        var states: [String] = []
        for _ in 0..<15 {
            try await Task.sleep(for: .milliseconds(100))
            let view = try await http.get("\(coordinator.baseURL)/jobs/\(jobID)", headers: headers)
            states.append((try? JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(view.body))?["state"]?.stringValue ?? "?")
        }
        #expect(states.allSatisfy { $0 == "QUEUED" }, "job states after the drain: \(states)")
        let miners = try await http.get("\(coordinator.baseURL)/admin/miners", headers: ["X-Api-Key": "integration-admin"])
        #expect(miners.text.contains(#""status":"DRAINING""#), "\(miners.text)")
        #expect(!harness.logs.events("drain_announced").isEmpty)
        await http.shutdown()
        await coordinator.stop()
    }
}
