import Foundation
import Sockets
import TestSupport
import Testing

/// What the service commands make of answers a real coordinator rarely gives: a 5xx that
/// outlasts the client's retries (exit 4), and error text meant to drive the terminal.
@Suite struct ServiceAnswerTests {
    static let jobID = String(repeating: "cd", count: 16)

    /// A server that answers every request with `status` and `body`; the CLI's run against it.
    static func run(status: String, body: String, arguments: [String]) async throws -> CLIFixtures.Run {
        let server = try ScriptedTCPServer { socket, _ in
            _ = ScriptedTCPServer.readHead(socket)
            let answer = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            try? socket.writeAll(Array(answer.utf8))
            socket.close()
        }
        defer { server.stop() }
        return try await CLIFixtures.runAsync(
            arguments + ["--url", "http://127.0.0.1:\(server.port)"], environment: ["AITBC_API_KEY": "answer-test-key"])
    }

    @Test func aServerErrorThatOutlastsTheRetriesIsUnreachable() async throws {
        let run = try await Self.run(
            status: "503 Service Unavailable", body: #"{"detail":"down","error":{"code":"UNAVAILABLE","message":"down"}}"#,
            arguments: ["job", "status", Self.jobID])
        #expect(run.status == 4, "\(run.stderr)")
        #expect(run.stderr.contains("503"), "\(run.stderr)")
    }

    @Test func coordinatorTextIsEscapedBeforeItReachesTheTerminal() async throws {
        let body = #"{"detail":"x","error":{"code":"JOB_NOT_FOUND","message":"gone\u001b[2J\u001b]0;owned\u0007"}}"#
        let run = try await Self.run(status: "404 Not Found", body: body, arguments: ["job", "status", Self.jobID])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(!run.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(run.stderr)")
        #expect(run.stderr.contains(#"gone\u{1B}[2J"#), "\(run.stderr)")
        // A job view whose members carry escape sequences is shown escaped too.
        let view = #"{"job_id":"\#(Self.jobID)","state":"QUEUED\u001b[31m","assigned_miner_id":null,"requested_at":"2026-01-01T00:00:00Z","expires_at":"2026-01-01T00:15:00Z","error":"bad\u001b[2J"}"#
        let shown = try await Self.run(status: "200 OK", body: view, arguments: ["job", "status", Self.jobID])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(!shown.stdout.unicodeScalars.contains { $0.value == 0x1B }, "\(shown.stdout)")
        #expect(shown.stdout.contains(#"error              bad\u{1B}[2J"#), "\(shown.stdout)")
    }

    /// A server that echoes the key it was sent (a misconfigured proxy, or someone else's
    /// service at a mistyped address) must not make the CLI print it: docs/cli.md promises the
    /// key appears in no message and no output (attack report, issue 11 rework).
    @Test func anEchoedKeyIsNotPrinted() async throws {
        let key = "answer-test-key"
        let refusal = #"{"detail":"bad key \#(key)","error":{"code":"UNAUTHORIZED_KEY","message":"unknown API key \#(key)"}}"#
        let refused = try await Self.run(status: "401 Unauthorized", body: refusal, arguments: ["job", "status", Self.jobID])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(!refused.stderr.contains(key) && refused.stderr.contains("unknown API key ***"), "\(refused.stderr)")
        let view = #"{"job_id":"\#(Self.jobID)","state":"FAILED","assigned_miner_id":null,"requested_at":"2026-01-01T00:00:00Z","expires_at":"2026-01-01T00:15:00Z","error":"\#(key)"}"#
        for json in [false, true] {
            let shown = try await Self.run(status: "200 OK", body: view, arguments: ["job", "status", Self.jobID] + (json ? ["--json"] : []))
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(!shown.stdout.contains(key) && shown.stdout.contains("***"), "\(shown.stdout)")
        }
    }
}
