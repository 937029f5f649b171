import Foundation
import JSON
import ServiceRuntime
import Testing

@testable import Miner

/// Issue #12: a new miner's first errors name the coordinator URL, a 404 on register points
/// at a base URL missing `/v1`, and log durations are rounded.
@Suite struct AgentCoordinatorErrorTests {
    @Test func unreachableCoordinatorIsNamedOnTheConsoleAndInTheLog() async throws {
        let harness = try AgentHarness(baseURL: "http://127.0.0.1:9/v1", executor: ProbeExecutor())
        let running = harness.start()
        #expect(await eventually { harness.logs.events("register_failed").count >= 2 })
        harness.shutdown.fire(15)
        _ = await running.value
        let line = try #require(harness.console.all.first)
        #expect(line.hasPrefix("coordinator http://127.0.0.1:9/v1 unreachable: connection refused"), "\(line)")
        #expect(harness.console.all.count == 1, "said once, not per retry")
        let event = try #require(harness.logs.events("register_failed").first)
        #expect(event["error_message"]?.stringValue?.hasPrefix("coordinator http://127.0.0.1:9/v1 unreachable") == true)
        // At most 3 decimals: 0.01 s, not 0.010000000000000002.
        for retry in harness.logs.events("register_failed") {
            let text = try #require(retry["retry_in_s"]?.stringValue)
            #expect((text.split(separator: ".").last?.count ?? 0) <= 3, "\(text)")
        }
    }

    @Test func notFoundOnRegisterHintsAtAMissingV1() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let base = String(mock.baseURL.dropLast("/v1".count))
        let harness = try AgentHarness(baseURL: base, executor: ProbeExecutor())
        let running = harness.start()
        #expect(await eventually { !harness.console.all.isEmpty })
        harness.shutdown.fire(15)
        _ = await running.value
        let line = try #require(harness.console.all.first)
        #expect(line.contains("coordinator \(base) answered 404 to POST \(base)/miners/register"), "\(line)")
        #expect(line.contains("coordinator.base_url must include /v1, e.g. http://127.0.0.1:8011/v1"))
    }

    @Test func logDurationsHaveAtMostThreeDecimals() {
        #expect(Backoff.logText(.milliseconds(10) + .nanoseconds(2)) == "0.01")
        #expect(Backoff.logText(.seconds(1.23456789)) == "1.235")
        #expect(Backoff.logText(.seconds(60)) == "60.0")
    }
}
