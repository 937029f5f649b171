import AITBCClient
import HTTP1
import HTTPServer
import JSON
import Testing
import WireModels

/// `submitJob`'s Idempotency-Key against a scripted local server: one key per call (given or
/// generated), the same on every retry of that call, a new one for the next call.
@Suite struct IdempotencyTests {
    /// A 201 answer with a queued job, built from WireModels' type.
    static func created() -> Response {
        guard let id = JobID(String(repeating: "0a", count: 16)), let requested = WireTime("2026-01-01T00:00:00Z"),
            let expires = WireTime("2026-01-01T00:15:00Z")
        else { return Response(status: .internalServerError) }
        let view = JobView(jobID: id, state: .known(.queued), assignedMinerID: nil, requestedAt: requested, expiresAt: expires, error: nil)
        return ScriptedCoordinator.json(.created, view.text)
    }

    @Test func aGeneratedKeyIsSentUnchangedOnEveryRetry() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ attempt in
            attempt < 3 ? ScriptedCoordinator.json(.serviceUnavailable, "{}") : Self.created()
        }) { server in
            let jobs = JobsClient(configuration: recorder.configure(AITBCConfiguration(baseURL: server.baseURL, apiKey: "k")))
            let job = try await jobs.submitJob(payload: ["type": "echo"])
            #expect(job.state == .known(.queued))
            let keys = server.requests.map { $0.headers["Idempotency-Key"] }
            #expect(keys.count == 3)
            let key = try #require(keys.first ?? nil)
            #expect(keys.allSatisfy { $0 == key })
            #expect(key.utf8.count == 32 && key.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
            #expect(server.requests.allSatisfy { $0.path == "/v1/jobs" && $0.headers["X-Api-Key"] == "k" })
            // The body is the same bytes on every attempt.
            #expect(Set(server.requests.map(\.body)).count == 1)

            _ = try await jobs.submitJob(payload: ["type": "echo"])
            #expect(server.requests.last?.headers["Idempotency-Key"] != key)
        }
    }

    @Test func aGivenKeyIsSentOnEveryRetry() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ attempt in
            attempt == 1 ? ScriptedCoordinator.json(.tooManyRequests, "{}", headers: ["Retry-After": "1"]) : Self.created()
        }) { server in
            let jobs = JobsClient(configuration: recorder.configure(AITBCConfiguration(baseURL: server.baseURL, apiKey: "k")))
            _ = try await jobs.submitJob(payload: [:], idempotencyKey: "order-7")
            #expect(server.requests.map { $0.headers["Idempotency-Key"] } == ["order-7", "order-7"])
            #expect(recorder.all == [.seconds(1)])
        }
    }

    @Test func bodySignatureAndBearerAreSentWhenConfigured() async throws {
        try await ScriptedCoordinator.with({ _ in Self.created() }) { server in
            var configuration = AITBCConfiguration(baseURL: server.baseURL, apiKey: "k", sendsBearer: true, bodySecret: Array("s".utf8))
            configuration.extraHeaders = ["X-Miner-ID": "m-1"]
            _ = try await JobsClient(configuration: configuration).submitJob(payload: [:], idempotencyKey: "x")
            let request = try #require(server.requests.first)
            #expect(request.headers["Authorization"] == "Bearer k")
            #expect(request.headers["X-Miner-ID"] == "m-1")
            // hex HMAC-SHA256 of the exact body bytes.
            #expect(request.headers["X-Signature"]?.utf8.count == 64)
        }
    }
}
