import Coordinator
import JSON
import Metrics
import Synchronization
import Testing
import WireModels

/// Records counter totals and last recorder values by label and dimensions.
final class CapturingMetrics: MetricsFactory, Sendable {
    final class Handler: CounterHandler, RecorderHandler, TimerHandler, Sendable {
        let key: String
        let store: CapturingMetrics
        init(key: String, store: CapturingMetrics) {
            self.key = key
            self.store = store
        }
        func increment(by amount: Int64) { store.values.withLock { $0[key, default: 0] += Double(amount) } }
        func reset() { store.values.withLock { $0[key] = 0 } }
        func record(_ value: Int64) { store.values.withLock { $0[key] = Double(value) } }
        func record(_ value: Double) { store.values.withLock { $0[key] = value } }
        func recordNanoseconds(_ duration: Int64) { store.values.withLock { $0[key + "#count", default: 0] += 1 } }
    }

    let values = Mutex([String: Double]())

    func value(_ key: String) -> Double? { values.withLock { $0[key] } }

    private func handler(_ label: String, _ dimensions: [(String, String)]) -> Handler {
        Handler(key: label + dimensions.map { "{\($0.0)=\($0.1)}" }.joined(), store: self)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { handler(label, dimensions) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        handler(label, dimensions)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { handler(label, dimensions) }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

@Suite struct CoordinatorMetricsTests {
    @Test func transitionsReceiptsPollsAndGauges() async throws {
        let factory = CapturingMetrics()
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store, metrics: CoordinatorMetrics(factory: factory))
        try await harness.register("miner-1")
        _ = try await harness.submit()
        let job = try #require(try await coordinator.poll(minerID: "miner-1", maxWaitSeconds: 0))
        _ = try await harness.store.complete(jobID: job.jobID, minerID: "miner-1", result: .object([]))
        _ = try await harness.submit()
        #expect(factory.value("aitbc_coordinator_job_transitions_total{to=QUEUED}") == 2)
        #expect(factory.value("aitbc_coordinator_job_transitions_total{to=RUNNING}") == 1)
        #expect(factory.value("aitbc_coordinator_job_transitions_total{to=COMPLETED}") == 1)
        #expect(factory.value("aitbc_coordinator_receipts_signed_total") == 1)
        #expect(factory.value("aitbc_coordinator_poll_duration_seconds#count") == 1)
        coordinator.metrics.update(from: try await harness.store.stats())
        #expect(factory.value("aitbc_coordinator_jobs_queued") == 1)
        #expect(factory.value("aitbc_coordinator_jobs_running") == 0)
        #expect(factory.value("aitbc_coordinator_miners_online") == 1)
    }
}
