import AITBCClient
import HTTP1
import HTTPServer
import TestSupport
import Testing

/// The retry rules of spec/sdk.md §5 against a real local HTTP server: attempts are counted
/// on the server, waits recorded instead of slept.
@Suite struct CoordinatorRetryTests {
    func transport(_ base: String, _ recorder: SleepRecorder, maxRetries: Int = 3, jitter: Double = 1) -> CoordinatorTransport {
        CoordinatorTransport(
            configuration: recorder.configure(
                AITBCConfiguration(baseURL: base, apiKey: "k", maxRetries: maxRetries), jitter: jitter))
    }

    @Test(arguments: [429, 502, 503, 504])
    func retryableStatusesAreRetriedUntilSuccess(status: Int) async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ attempt in
            attempt < 3 ? ScriptedCoordinator.json(HTTPResponseStatus(code: status), "{}") : ScriptedCoordinator.json(.ok, #"{"ok":true}"#)
        }) { server in
            let response = try await transport(server.baseURL, recorder).send(CoordinatorRequest(method: .post, path: "/miners/heartbeat", body: []))
            #expect(response.status == 200)
            #expect(server.requests.count == 3)
            // Full jitter with a factor of 1 waits the ceiling: base, then 2 × base.
            #expect(recorder.all == [.milliseconds(500), .seconds(1)])
        }
    }

    @Test func retriesStopAfterMaxRetriesWithTheLastAnswer() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ _ in
            ScriptedCoordinator.json(.serviceUnavailable, #"{"detail":"busy","error":{"code":"BUSY","message":"try later"}}"#)
        }) { server in
            await #expect {
                try await transport(server.baseURL, recorder).send(CoordinatorRequest(method: .get, path: "/jobs/x"))
            } throws: { error in
                guard let error = error as? AITBCError else { return false }
                return error.status == 503 && error.code == "BUSY" && error.message == "try later" && error.kind == .rejected
            }
            #expect(server.requests.count == 4)
            #expect(recorder.all == [.milliseconds(500), .seconds(1), .seconds(2)])
        }
    }

    @Test func backoffIsCappedAtBackoffMax() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ _ in ScriptedCoordinator.json(HTTPResponseStatus(code: 502), "{}") }) { server in
            let configuration = recorder.configure(AITBCConfiguration(baseURL: server.baseURL, maxRetries: 6, backoffMax: .seconds(3)))
            _ = try? await CoordinatorTransport(configuration: configuration).send(CoordinatorRequest(method: .get, path: "/health"))
            #expect(server.requests.count == 7)
            #expect(recorder.all == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3), .seconds(3)])
        }
    }

    @Test func fullJitterScalesTheCeiling() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ _ in ScriptedCoordinator.json(HTTPResponseStatus(code: 504), "{}") }) { server in
            _ = try? await transport(server.baseURL, recorder, maxRetries: 2, jitter: 0.5).send(CoordinatorRequest(method: .get, path: "/health"))
            #expect(recorder.all == [.milliseconds(250), .milliseconds(500)])
        }
    }

    @Test func internalServerErrorIsRetriedForGETOnly() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ _ in ScriptedCoordinator.json(.internalServerError, "{}") }) { server in
            let client = transport(server.baseURL, recorder, maxRetries: 2)
            _ = try? await client.send(CoordinatorRequest(method: .get, path: "/jobs/a"))
            #expect(server.requests.count == 3)
            _ = try? await client.send(CoordinatorRequest(method: .post, path: "/jobs/a/cancel"))
            #expect(server.requests.count == 4)
        }
    }

    @Test(arguments: [400, 401, 403, 404, 409, 413, 422, 425])
    func otherClientErrorsAreNeverRetried(status: Int) async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ _ in ScriptedCoordinator.json(HTTPResponseStatus(code: status), #"{"detail":"no"}"#) }) { server in
            await #expect {
                try await transport(server.baseURL, recorder).send(CoordinatorRequest(method: .get, path: "/jobs/a"))
            } throws: { error in
                (error as? AITBCError)?.status == status && (error as? AITBCError)?.message == "no"
            }
            #expect(server.requests.count == 1)
            #expect(recorder.all.isEmpty)
        }
    }

    @Test func aRequestMarkedNotRetryableGoesOutOnce() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ _ in ScriptedCoordinator.json(.serviceUnavailable, "{}") }) { server in
            _ = try? await transport(server.baseURL, recorder).send(
                CoordinatorRequest(method: .post, path: "/jobs", body: Array("{}".utf8), isRetryable: false))
            #expect(server.requests.count == 1)
        }
    }

    @Test func maxRetriesZeroMeansOneAttempt() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ _ in ScriptedCoordinator.json(.serviceUnavailable, "{}") }) { server in
            _ = try? await transport(server.baseURL, recorder, maxRetries: 0).send(CoordinatorRequest(method: .get, path: "/health"))
            #expect(server.requests.count == 1)
        }
    }

    @Test func retryAfterSecondsIsHonouredAndCapped() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with({ attempt in
            let wait = attempt == 1 ? "2" : "3600"
            return attempt < 3 ? ScriptedCoordinator.json(.tooManyRequests, "{}", headers: ["Retry-After": wait]) : ScriptedCoordinator.json(.ok, "{}")
        }) { server in
            _ = try await transport(server.baseURL, recorder).send(CoordinatorRequest(method: .get, path: "/health"))
            #expect(recorder.all == [.seconds(2), .seconds(8)])
        }
    }

    @Test func retryAfterHTTPDateIsReadAgainstTheClock() async throws {
        let recorder = SleepRecorder()
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT; the clock says 4 s earlier.
        try await ScriptedCoordinator.with({ attempt in
            attempt == 1
                ? ScriptedCoordinator.json(.serviceUnavailable, "{}", headers: ["Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"])
                : ScriptedCoordinator.json(.ok, "{}")
        }) { server in
            let configuration = recorder.configure(AITBCConfiguration(baseURL: server.baseURL), now: 784_111_773)
            _ = try await CoordinatorTransport(configuration: configuration).send(CoordinatorRequest(method: .get, path: "/health"))
            #expect(recorder.all == [.seconds(4)])
        }
    }

    @Test func transportFailuresAreRetried() async throws {
        let recorder = SleepRecorder()
        // A port nobody listens on: every attempt is refused. (A closed server's port was handed to
        // another suite's server in a parallel run, which answered 404.)
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        await #expect {
            try await transport(refusing.url, recorder, maxRetries: 2).send(CoordinatorRequest(method: .get, path: "/health"))
        } throws: { error in
            (error as? AITBCError)?.kind == .unreachable
        }
        #expect(recorder.all.count == 2)
    }

    @Test func retryAfterParsing() {
        #expect(RetryPolicy.retryAfterSeconds("120", now: 0) == 120)
        #expect(RetryPolicy.retryAfterSeconds(" 7 ", now: 0) == 7)
        #expect(RetryPolicy.retryAfterSeconds("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_777) == 0)
        #expect(RetryPolicy.retryAfterSeconds("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_700) == 77)
        #expect(RetryPolicy.retryAfterSeconds("Sun, 06 Nov 1994 08:49:37 GMT", now: 800_000_000) == 0)
        #expect(RetryPolicy.retryAfterSeconds("-1", now: 0) == nil)
        #expect(RetryPolicy.retryAfterSeconds("soon", now: 0) == nil)
        #expect(RetryPolicy.retryAfterSeconds("Sunday, 06-Nov-94 08:49:37 GMT", now: 0) == nil)
    }
}

/// A header value holding CR/LF would split the request (header injection): refused before
/// anything is sent, whether it came from the configuration or from one request.
@Suite struct HeaderInjectionTests {
    @Test func aConfiguredHeaderWithALineBreakIsRefusedAndNothingIsSent() async throws {
        try await ScriptedCoordinator.with({ _ in ScriptedCoordinator.json(.ok, "{}") }) { server in
            let transport = CoordinatorTransport(
                configuration: AITBCConfiguration(baseURL: server.baseURL, apiKey: "k", extraHeaders: ["X-Miner-ID": "m1\r\nX-Evil: 1"]))
            do {
                _ = try await transport.send(CoordinatorRequest(method: .get, path: "/health"))
                Issue.record("a header with a line break was sent")
            } catch let error as AITBCError {
                #expect(error.kind == .invalidRequest)
                #expect(error.message.contains("X-Miner-ID"))
            }
            #expect(server.requests.isEmpty)
            await transport.shutdown()
        }
    }

    @Test func aRequestHeaderWithALineBreakIsRefused() async throws {
        try await ScriptedCoordinator.with({ _ in ScriptedCoordinator.json(.ok, "{}") }) { server in
            let transport = CoordinatorTransport(configuration: AITBCConfiguration(baseURL: server.baseURL, apiKey: "k"))
            do {
                _ = try await transport.send(
                    CoordinatorRequest(method: .post, path: "/jobs", body: Array("{}".utf8), headers: ["Idempotency-Key": "a\nb"]))
                Issue.record("a header with a line break was sent")
            } catch let error as AITBCError {
                #expect(error.kind == .invalidRequest)
            }
            #expect(server.requests.isEmpty)
            // Configured headers without line breaks still go out.
            _ = try await transport.send(CoordinatorRequest(method: .get, path: "/health"))
            #expect(server.requests.count == 1)
            await transport.shutdown()
        }
    }
}
