import Foundation
import HTTP1
import JSON
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

@testable import Miner

/// What the miner tells the operator when the coordinator refuses it for good.
@Suite struct AgentRefusalTests {
    static let pinnedMessage =
        "this miner registered a public key and every result needs a claim signed with it: register with that key (aitbc-miner key_file), or have an admin rotate it with POST /v1/admin/miners/{miner_id}/rotate-key"

    // A new user restarted a miner with another key (or none): register answered 409
    // MINER_KEY_PINNED and the miner retried forever, logging only `http_409`.
    @Test(.timeLimit(.minutes(1))) func pinnedKeyRefusalExitsWithCodeThreeNamingTheMinerAndTheFix() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock { $0.registerRefusal = (.conflict, "MINER_KEY_PINNED", Self.pinnedMessage) }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor(), flags: ["key_file": "/etc/aitbc/other.key.json"])
        let exit = await harness.start().value
        #expect(exit == .keyPinned)
        #expect(exit.exitCode == 3)
        #expect(mock.read { $0.registerCount } == 1)
        let event = try #require(harness.logs.events("miner_key_pinned").first)
        #expect(event["level"]?.stringValue == "critical")
        #expect(event["miner_id"]?.stringValue == agentTestNodeID)
        #expect(event["error_message"]?.stringValue == Self.pinnedMessage)
        #expect(event["key_file"]?.stringValue == "/etc/aitbc/other.key.json")
        #expect(event["fix"]?.stringValue?.contains("POST /v1/admin/miners/\(agentTestNodeID)/rotate-key") == true)
        #expect(harness.logs.events("stopped").first?["exit_code"]?.stringValue == "3")
        let line = try #require(harness.console.all.first)
        #expect(line.contains("miner \(agentTestNodeID)"))
        #expect(line.contains("MINER_KEY_PINNED"))
        #expect(line.contains(Self.pinnedMessage))
        #expect(line.contains("start with the key_file this miner registered"))
        #expect(line.contains("/v1/admin/miners/\(agentTestNodeID)/rotate-key"))
        #expect(line.contains("code 3"))
    }

    @Test func otherConflictsOnRegisterAreStillRetried() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock { $0.registerRefusal = (.conflict, "CONFLICT_STATE", "busy") }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor())
        let running = harness.start()
        #expect(await eventually { mock.read { $0.registerCount } >= 3 })
        harness.shutdown.fire(15)
        #expect(await running.value == .drained)
        #expect(harness.console.all.isEmpty)
    }

    @Test func unauthorizedIsAlsoSaidOnTheConsole() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        mock.state.withLock { $0.mode = .unauthorized }
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor())
        #expect(await harness.start().value == .unauthorized)
        #expect(harness.console.all.contains { $0.contains("401") && $0.contains("coordinator.auth_token") })
    }

    // A new user's results were refused with 422 INVALID_PAYLOAD ("claim: required …") and the
    // log said only `reply: http_422`.
    @Test func abandonedReportLogsTheCoordinatorsCodeAndMessage() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let longMessage = "claim: required for a miner that registered a public_key " + String(repeating: "x", count: 2_000)
        mock.state.withLock { $0.refusedReports[jid("job-422")] = (.unprocessableContent, "INVALID_PAYLOAD", longMessage) }
        mock.enqueue(jid("job-422"))
        let harness = try AgentHarness(mock: mock, executor: ProbeExecutor())
        let running = harness.start()
        #expect(await eventually { !harness.logs.events("report_abandoned").isEmpty })
        harness.shutdown.fire(15)
        _ = await running.value
        let event = try #require(harness.logs.events("report_abandoned").first)
        #expect(event["job_id"]?.stringValue == jid("job-422"))
        #expect(event["reply"]?.stringValue == "http_422")
        #expect(event["error_code"]?.stringValue == "INVALID_PAYLOAD")
        let message = try #require(event["error_message"]?.stringValue)
        #expect(message.hasPrefix("claim: required for a miner that registered a public_key"))
        #expect(message.count == CoordinatorReply.maxMessageLength)
        #expect(JobStateStore(root: harness.workspace.url.path).read(jobID: jid("job-422"))?.state == .abandoned)
    }

    /// Found by the final review: the coordinator's code and message reached the miner's
    /// stderr raw, so a coordinator (or anyone on a plain-http path) could write escape
    /// sequences to an operator's terminal.
    @Test func coordinatorTextIsEscapedBeforeItIsLoggedOrSaid() {
        let reply = CoordinatorReply.rejection(
            status: 409, body: ["error": ["code": "\u{1B}[2JPINNED", "message": "line one\n\u{1B}]0;owned\u{07}"]])
        guard case .rejected(_, let code, let message) = reply else {
            Issue.record("not a rejection")
            return
        }
        #expect(code == "\\u{1B}[2JPINNED")
        #expect(message == "line one\\u{A}\\u{1B}]0;owned\\u{7}")
        #expect(reply.problem.values.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 } })
    }

    @Test(arguments: [(403, "FORBIDDEN"), (404, "JOB_NOT_FOUND"), (400, "BAD_REQUEST"), (413, "PAYLOAD_TOO_LARGE"), (422, "INVALID_PAYLOAD")])
    func permanentRefusalsAbandonWithTheirCode(status: Int, code: String) {
        let reply = CoordinatorReply.rejection(
            status: status, body: ["detail": "legacy text", "error": ["code": .string(code), "message": "why", "details": .null]])
        #expect(MinerAgent.delivery(of: reply) == .abandoned)
        #expect(reply.problem == ["error_code": code, "error_message": "why"])
        let legacy = CoordinatorReply.rejection(status: status, body: ["detail": "legacy text"])
        #expect(legacy.problem == ["error_message": "legacy text"])
    }
}
