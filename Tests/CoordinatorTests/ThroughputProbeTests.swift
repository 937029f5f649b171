import Coordinator
import Foundation
import JSON
import Testing

/// A manual throughput probe (no assertions on time): full lifecycles through the store with
/// 16 submitters and 16 miners. Enabled with COORDINATOR_PROBE_JOBS=<count>.
@Suite struct ThroughputProbeTests {
    static let jobs = Int(ProcessInfo.processInfo.environment["COORDINATOR_PROBE_JOBS"] ?? "") ?? 0

    @Test(.enabled(if: jobs > 0)) func lifecycles() async throws {
        let harness = try await CoordinatorHarness.make(attestation: false)
        let coordinator = Coordinator(store: harness.store)
        let total = Self.jobs
        for index in 0..<16 { try await harness.register("miner-\(index)", concurrency: 4) }
        let start = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<16 {
                group.addTask {
                    for index in stride(from: client, to: total, by: 16) {
                        _ = try await harness.store.submit(
                            clientID: "client-\(client)", JobSubmission(payload: ["prompt": "p", "n": .integer(JSONInteger(index))]))
                    }
                }
            }
            for miner in 0..<16 {
                group.addTask {
                    let minerID = "miner-\(miner)"
                    while true {
                        guard let job = try await coordinator.poll(minerID: minerID, maxWaitSeconds: 1) else { return }
                        _ = try await harness.store.complete(jobID: job.jobID, minerID: minerID, result: ["text": "ok"])
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = Date().timeIntervalSince(start)
        let completed = try await harness.count("job", where: "state = 'COMPLETED'")
        print("probe: \(completed) lifecycles in \(seconds) s = \(Double(completed) / seconds) /s")
        #expect(completed == total)
    }
}
