import Coordinator
import Cryptography
import HTTP1
import JSON
import Receipts
import TestSupport
import Testing

/// One test per endpoint and per documented error status, over loopback HTTP against an
/// in-process coordinator on an ephemeral port.
@Suite(.serialized) struct CoordinatorRoutesTests {
    typealias H = CoordinatorServerHarness

    // MARK: health and documents

    @Test func healthNeedsNoKey() async throws {
        try await H.with { server in
            let response = try await server.request("GET", "/v1/health")
            #expect(response.status == 200)
            #expect(try response.json() == ["status": "ok", "env": "dev"])
            #expect(response.headers["X-Request-ID"] != nil)
        }
    }

    @Test func openAPIDocumentIsServedAsJSON() async throws {
        try await H.with { server in
            let response = try await server.request("GET", "/openapi.json")
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "application/json")
            let document = try response.json()
            #expect(document["openapi"] == "3.1.0")
            #expect(document["paths"]?["/v1/jobs"] != nil)
        }
    }

    @Test func operationalRoutesAndMetrics() async throws {
        try await H.with { server in
            _ = try await server.submit()
            #expect(try await server.request("GET", "/healthz").status == 200)
            #expect(try await server.request("GET", "/readyz").status == 200)
            let metrics = try await server.request("GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("aitbc_coordinator_job_transitions_total"))
            #expect(metrics.text.contains("http_requests_total"))
            #expect(metrics.text.contains(#"route="/v1/jobs""#))
        }
    }

    // MARK: authentication

    /// The legacy `detail` stays `invalid api key`; `error.message` says which of the three it
    /// was and how to fix it (issue #12), and never echoes the key.
    @Test func missingUnknownOrWrongRoleKeyIs401WithBothErrorStyles() async throws {
        try await H.with { server in
            let cases: [(String?, String)] = [
                (nil, "no API key: send X-Api-Key or Authorization: Bearer"), ("not-a-key", "unknown API key"),
                (H.miner1Key, "this is a miner key; this route needs a client key"),
                (H.adminKey, "this is an admin key; this route needs a client key"),
            ]
            for (key, message) in cases {
                let response = try await server.request("POST", "/v1/jobs", key: key, body: #"{"payload":{}}"#)
                #expect(response.status == 401)
                #expect(response.detail == "invalid api key")
                #expect(response.errorCode == "UNAUTHORIZED_KEY")
                #expect(try response.json()["error"]?["message"] == .string(message))
                #expect(response.headers["WWW-Authenticate"] != nil)
                if let key { #expect(!response.text.contains(key)) }
            }
            let wrongRole = try await server.request("GET", "/v1/admin/stats", key: H.aliceKey)
            #expect(try wrongRole.json()["error"]?["message"] == "this is a client key; this route needs an admin key")
        }
    }

    @Test func bearerTokenIsAcceptedLikeTheApiKeyHeader() async throws {
        try await H.with { server in
            let response = try await server.request(
                "POST", "/v1/jobs", headers: [("Authorization", "Bearer \(H.aliceKey)")], body: #"{"payload":{"a":1}}"#)
            #expect(response.status == 201)
        }
    }

    @Test func keysNeverAppearInResponses() async throws {
        try await H.with { server in
            let jobID = try await server.runningJob()
            let done = try await server.request("POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: #"{"result":{"ok":true}}"#)
            let jobs = try await server.request("GET", "/v1/admin/jobs", key: H.adminKey)
            let miners = try await server.request("GET", "/v1/admin/miners", key: H.adminKey)
            for response in [done, jobs, miners] {
                #expect(response.status == 200)
                for key in [H.aliceKey, H.miner1Key, H.adminKey] { #expect(!response.text.contains(key)) }
            }
            #expect(try jobs.json()["items"]?.arrayValue?.first?["client_id"] == "alice")
            #expect(try done.json()["receipt"]?["provider"] == "m1")
        }
    }

    // MARK: rate limit, signature, limits

    @Test func rateLimitAnswers429WithRetryAfter() async throws {
        try await H.with(configure: { $0.rateLimitRequests = 2 }) { server in
            #expect(try await server.request("GET", "/v1/admin/stats", key: H.adminKey).status == 200)
            #expect(try await server.request("GET", "/v1/admin/stats", key: H.adminKey).status == 200)
            let limited = try await server.request("GET", "/v1/admin/stats", key: H.adminKey)
            #expect(limited.status == 429)
            #expect(limited.errorCode == "RATE_LIMITED")
            #expect(limited.detail == "rate limit exceeded")
            let retryAfter = try #require(limited.headers["Retry-After"].flatMap { Int($0) })
            #expect(retryAfter >= 1)
            #expect(try limited.json()["error"]?["details"]?["retry_after_seconds"] == .integer(JSONInteger(retryAfter)))
            // Buckets are per principal: another key is unaffected.
            #expect(try await server.request("GET", "/v1/jobs/\(String(repeating: "0", count: 32))", key: H.aliceKey).status == 404)
        }
    }

    @Test func bodySignatureIsRequiredWhenHMACSecretIsSet() async throws {
        let secret = Array("shared-hmac-secret".utf8)
        try await H.with(configure: { $0.hmacSecret = secret }) { server in
            let body = #"{"payload":{"task":"signed"}}"#
            let unsigned = try await server.request("POST", "/v1/jobs", key: H.aliceKey, body: body)
            #expect(unsigned.status == 401)
            #expect(unsigned.errorCode == "INVALID_SIGNATURE")
            let wrong = try await server.request(
                "POST", "/v1/jobs", key: H.aliceKey, headers: [("X-Signature", String(repeating: "ab", count: 32))], body: body)
            #expect(wrong.status == 401)
            let signature = Hex.encode(BodySignature.hmacSHA256(key: secret, message: Array(body.utf8)))
            let signed = try await server.request("POST", "/v1/jobs", key: H.aliceKey, headers: [("X-Signature", signature)], body: body)
            #expect(signed.status == 201)
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await H.with(configure: { $0.maxBodyBytes = 2_048 }) { server in
            let big = #"{"payload":{"blob":""# + String(repeating: "x", count: 4_096) + #""}}"#
            let response = try await server.request("POST", "/v1/jobs", key: H.aliceKey, body: big)
            #expect(response.status == 413)
            #expect(response.errorCode == "PAYLOAD_TOO_LARGE")
            #expect(response.detail != nil)
            // Far above the limit the server refuses from Content-Length, before reading the body.
            let huge = String(repeating: "y", count: 200_000)
            #expect(try await server.request("POST", "/v1/jobs", key: H.aliceKey, body: huge).status == 413)
        }
    }

    @Test(arguments: [
        #"{"constraints":{}}"#, #"[]"#, #"{"payload":"text"}"#, #"{"payload":{},"ttl_seconds":0}"#,
        #"{"payload":{},"ttl_seconds":86401}"#, #"{"payload":{},"ttl_seconds":1.5}"#, "not json", "",
        #"{"payload":{},"constraints":{"min_vram_gb":"lots"}}"#,
    ])
    func invalidSubmissionIs422(body: String) async throws {
        try await H.with { server in
            let response = try await server.request("POST", "/v1/jobs", key: H.aliceKey, body: body)
            #expect(response.status == 422)
            #expect(response.errorCode == "INVALID_PAYLOAD")
            #expect(response.detail != nil)
        }
    }

    // MARK: client routes

    @Test func submitAnswers201WithAJobView() async throws {
        try await H.with { server in
            let response = try await server.request(
                "POST", "/v1/jobs", key: H.aliceKey, body: #"{"payload":{"task":"x"},"ttl_seconds":"60"}"#)
            #expect(response.status == 201)
            let view = try response.json()
            #expect(view["state"] == "QUEUED")
            #expect(view["assigned_miner_id"] == .null)
            #expect(view["error"] == .null)
            #expect(view["job_id"]?.stringValue?.utf8.count == 32)
            #expect(view["requested_at"]?.stringValue?.hasSuffix("Z") == true)
            #expect(view["expires_at"]?.stringValue?.hasSuffix("Z") == true)
        }
    }

    @Test func idempotencyKeyReplaysAndConflicts() async throws {
        try await H.with { server in
            let body = #"{"payload":{"task":"once"}}"#
            let first = try await server.request("POST", "/v1/jobs", key: H.aliceKey, headers: [("Idempotency-Key", "k-1")], body: body)
            let replay = try await server.request("POST", "/v1/jobs", key: H.aliceKey, headers: [("Idempotency-Key", "k-1")], body: body)
            #expect(first.status == 201)
            #expect(replay.status == 200)
            #expect(try first.json()["job_id"] == replay.json()["job_id"])
            let other = try await server.request(
                "POST", "/v1/jobs", key: H.aliceKey, headers: [("Idempotency-Key", "k-1")], body: #"{"payload":{"task":"twice"}}"#)
            #expect(other.status == 409)
            #expect(other.errorCode == "CONFLICT_STATE")
            // Keys are per client: bob may use the same key.
            let bob = try await server.request("POST", "/v1/jobs", key: H.bobKey, headers: [("Idempotency-Key", "k-1")], body: body)
            #expect(bob.status == 201)
        }
    }

    @Test func getJobAnd404ForUnknownOrForeignJobs() async throws {
        try await H.with { server in
            let jobID = try await server.submit()
            let mine = try await server.request("GET", "/v1/jobs/\(jobID)", key: H.aliceKey)
            #expect(mine.status == 200)
            #expect(try mine.json()["job_id"] == .string(jobID))
            for (path, key) in [("/v1/jobs/\(jobID)", H.bobKey), ("/v1/jobs/\(String(repeating: "f", count: 32))", H.aliceKey),
                                ("/v1/jobs/not-an-id", H.aliceKey)] {
                let response = try await server.request("GET", path, key: key)
                #expect(response.status == 404)
                #expect(response.detail == "job not found")
                #expect(response.errorCode == "JOB_NOT_FOUND")
            }
        }
    }

    @Test func resultIs425WhileActiveAnd200WhenTerminal() async throws {
        try await H.with { server in
            let jobID = try await server.runningJob()
            let early = try await server.request("GET", "/v1/jobs/\(jobID)/result", key: H.aliceKey)
            #expect(early.status == 425)
            #expect(early.detail == "job not ready")
            #expect(early.errorCode == "JOB_NOT_READY")
            _ = try await server.request("POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: #"{"result":{"text":"done"}}"#)
            let done = try await server.request("GET", "/v1/jobs/\(jobID)/result", key: H.aliceKey)
            #expect(done.status == 200)
            let body = try done.json()
            #expect(body["result"] == ["text": "done"])
            #expect(body["state"] == "COMPLETED")
            #expect(body["receipt"]?["job_id"] == .string(jobID))
            #expect(try await server.request("GET", "/v1/jobs/\(jobID)/result", key: H.bobKey).status == 404)
        }
    }

    @Test func cancelAnd409WhenNotCancelable() async throws {
        try await H.with { server in
            let jobID = try await server.submit()
            let canceled = try await server.request("POST", "/v1/jobs/\(jobID)/cancel", key: H.aliceKey)
            #expect(canceled.status == 200)
            #expect(try canceled.json()["state"] == "CANCELED")
            #expect(try canceled.json()["error"] == "canceled by client")
            let again = try await server.request("POST", "/v1/jobs/\(jobID)/cancel", key: H.aliceKey)
            #expect(again.status == 409)
            #expect(again.detail == "job not cancelable")
            #expect(again.errorCode == "CONFLICT_STATE")
            // The new-user review: say which state the job is in, for people and for scripts.
            #expect(try again.json()["error"]?["message"] == "job not cancelable: it is CANCELED; only QUEUED and RUNNING jobs can be canceled")
            #expect(try again.json()["error"]?["details"]?["state"] == "CANCELED")
            // A terminal job without result answers 200 with state and error (not 425 forever).
            let result = try await server.request("GET", "/v1/jobs/\(jobID)/result", key: H.aliceKey)
            #expect(result.status == 200)
            #expect(try result.json()["state"] == "CANCELED")
            #expect(try result.json()["result"] == .null)
            #expect(try await server.request("POST", "/v1/jobs/\(jobID)/cancel", key: H.bobKey).status == 404)
        }
    }

    @Test func receiptAndReceiptHistory() async throws {
        try await H.with { server in
            let jobID = try await server.runningJob()
            let missing = try await server.request("GET", "/v1/jobs/\(jobID)/receipt", key: H.aliceKey)
            #expect(missing.status == 404)
            #expect(missing.detail == "receipt not available")
            #expect(missing.errorCode == "RECEIPT_NOT_AVAILABLE")
            _ = try await server.request(
                "POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: #"{"result":{"units":1},"metrics":{"duration_ms":5}}"#)
            let latest = try await server.request("GET", "/v1/jobs/\(jobID)/receipt", key: H.aliceKey)
            #expect(latest.status == 200)
            let receipt = try Receipt(json: latest.json())
            #expect(ReceiptVerifier(trustedKeys: [server.signingKey.publicKey]).verify(receipt).isVerified)
            let history = try await server.request("GET", "/v1/jobs/\(jobID)/receipts?limit=1", key: H.aliceKey)
            #expect(history.status == 200)
            #expect(try history.json()["items"]?.arrayValue?.count == 1)
            #expect(try history.json()["next_cursor"] == .null)
            for query in ["limit=0", "limit=501", "limit=abc", "cursor=%%%"] {
                #expect(try await server.request("GET", "/v1/jobs/\(jobID)/receipts?\(query)", key: H.aliceKey).status == 422)
            }
            #expect(try await server.request("GET", "/v1/jobs/\(jobID)/receipts", key: H.bobKey).status == 404)
        }
    }

    // MARK: miner routes

    @Test func registerHeartbeatAndUnregistered404() async throws {
        try await H.with { server in
            let unregistered = try await server.request("POST", "/v1/miners/heartbeat", key: H.miner1Key, body: "{}")
            #expect(unregistered.status == 404)
            #expect(unregistered.detail == "miner not registered")
            let registered = try await server.request(
                "POST", "/v1/miners/register", key: H.miner1Key, body: #"{"capabilities":{"gpus":[]},"concurrency":2,"region":"eu"}"#)
            #expect(registered.status == 200)
            #expect(try registered.json()["session_token"]?.stringValue?.utf8.count == 32)
            // The principal id, never the key: what the miner's work claims must name.
            #expect(try registered.json()["miner_id"] == "m1")
            let beat = try await server.request(
                "POST", "/v1/miners/heartbeat", key: H.miner1Key, body: #"{"inflight":0,"status":"ONLINE","metadata":{"gpu_util":0.5}}"#)
            #expect(beat.status == 200)
            #expect(try beat.json() == ["status": "ok"])
            let badStatus = try await server.request("POST", "/v1/miners/heartbeat", key: H.miner1Key, body: #"{"status":"SLEEPING"}"#)
            #expect(badStatus.status == 422)
            let badRegistration = try await server.request("POST", "/v1/miners/register", key: H.miner1Key, body: #"{"concurrency":0}"#)
            #expect(badRegistration.status == 422)
        }
    }

    /// A RUNNING job the client cancels is named in its miner's next heartbeat answer; with
    /// nothing to stop the answer stays exactly `{"status":"ok"}`.
    @Test func heartbeatAnswerNamesACanceledHeldJob() async throws {
        try await H.with { server in
            try await server.register()
            let jobID = try await server.submit()
            #expect(try await server.poll() == jobID)
            let held = #"{"inflight":1,"jobs":["\#(jobID)"]}"#
            let running = try await server.request("POST", "/v1/miners/heartbeat", key: H.miner1Key, body: held)
            #expect(running.text == #"{"status":"ok"}"#)
            #expect(try await server.request("POST", "/v1/jobs/\(jobID)/cancel", key: H.aliceKey).status == 200)
            let canceled = try await server.request("POST", "/v1/miners/heartbeat", key: H.miner1Key, body: held)
            #expect(canceled.status == 200)
            #expect(canceled.text == #"{"status":"ok","stop_jobs":["\#(jobID)"]}"#)
            let unlisted = try await server.request("POST", "/v1/miners/heartbeat", key: H.miner1Key, body: "{}")
            #expect(unlisted.text == #"{"status":"ok"}"#)
        }
    }

    @Test func pollAssignsOrAnswers204AndUnregistered404() async throws {
        try await H.with { server in
            let unregistered = try await server.request("POST", "/v1/miners/poll", key: H.miner1Key, body: "{}")
            #expect(unregistered.status == 404)
            try await server.register()
            #expect(try await server.poll() == nil)
            let jobID = try await server.submit(body: #"{"payload":{"runner":"echo"},"constraints":{"region":null,"models":[]}}"#)
            let claimed = try await server.request("POST", "/v1/miners/poll", key: H.miner1Key, body: #"{"max_wait_seconds":5}"#)
            #expect(claimed.status == 200)
            let body = try claimed.json()
            #expect(body["job_id"] == .string(jobID))
            #expect(body["payload"] == ["runner": "echo"])
            #expect(body["constraints"]?.objectValue?.count == 6)
            #expect(try await server.request("GET", "/v1/jobs/\(jobID)", key: H.aliceKey).json()["state"] == "RUNNING")
            #expect(try await server.request("POST", "/v1/miners/poll", key: H.miner1Key, body: #"{"max_wait_seconds":"x"}"#).status == 422)
        }
    }

    @Test func longPollWakesOnSubmit() async throws {
        try await H.with { server in
            try await server.register()
            let waiting = Task.detached {
                try await server.request("POST", "/v1/miners/poll", key: H.miner1Key, body: #"{"max_wait_seconds":30}"#)
            }
            // The poll is parked before the job exists; submitting wakes it.
            while server.service.polls.inFlight == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let jobID = try await server.submit()
            let response = try await waiting.value
            #expect(response.status == 200)
            #expect(try response.json()["job_id"] == .string(jobID))
        }
    }

    @Test func startResultReplayAndConflicts() async throws {
        try await H.with { server in
            let jobID = try await server.runningJob()
            try await server.register(key: H.miner2Key)
            #expect(try await server.request("POST", "/v1/miners/\(jobID)/start", key: H.miner1Key).status == 200)
            let foreignStart = try await server.request("POST", "/v1/miners/\(jobID)/start", key: H.miner2Key)
            #expect(foreignStart.status == 403)
            #expect(foreignStart.errorCode == "FORBIDDEN")
            let foreign = try await server.request("POST", "/v1/miners/\(jobID)/result", key: H.miner2Key, body: #"{"result":{"x":1}}"#)
            #expect(foreign.status == 403)
            let body = #"{"result":{"x":1},"metrics":{"duration_ms":10}}"#
            let accepted = try await server.request("POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: body)
            #expect(accepted.status == 200)
            #expect(try accepted.json()["status"] == "ok")
            let receiptID = try accepted.json()["receipt"]?["receipt_id"]
            #expect(receiptID != nil)
            let replay = try await server.request("POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: body)
            #expect(replay.status == 200)
            #expect(try replay.json()["receipt"]?["receipt_id"] == receiptID)
            let different = try await server.request("POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: #"{"result":{"x":2}}"#)
            #expect(different.status == 409)
            #expect(different.errorCode == "CONFLICT_STATE")
            #expect(try await server.request("POST", "/v1/miners/\(jobID)/start", key: H.miner1Key).status == 409)
            let unknown = try await server.request(
                "POST", "/v1/miners/\(String(repeating: "a", count: 32))/result", key: H.miner1Key, body: #"{"result":{}}"#)
            #expect(unknown.status == 404)
            #expect(try await server.request("POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: #"{"metrics":{}}"#).status == 422)
        }
    }

    @Test func failReplayAnd409OnADifferentReport() async throws {
        try await H.with { server in
            let jobID = try await server.runningJob()
            let body = #"{"error_code":"OOM","error_message":"out of memory"}"#
            #expect(try await server.request("POST", "/v1/miners/\(jobID)/fail", key: H.miner1Key, body: #"{"error_code":"OOM"}"#).status == 422)
            let failed = try await server.request("POST", "/v1/miners/\(jobID)/fail", key: H.miner1Key, body: body)
            #expect(failed.status == 200)
            let view = try await server.request("GET", "/v1/jobs/\(jobID)", key: H.aliceKey).json()
            #expect(view["state"] == "FAILED")
            #expect(view["error"] == "OOM: out of memory")
            // The identical report again is an accepted replay; a different one conflicts.
            #expect(try await server.request("POST", "/v1/miners/\(jobID)/fail", key: H.miner1Key, body: body).status == 200)
            let other = #"{"error_code":"CRASH","error_message":"segfault"}"#
            #expect(try await server.request("POST", "/v1/miners/\(jobID)/fail", key: H.miner1Key, body: other).status == 409)
            #expect(
                try await server.request("POST", "/v1/miners/\(String(repeating: "b", count: 32))/fail", key: H.miner1Key, body: body).status
                    == 404)
        }
    }

    @Test func drainStopsAssignments() async throws {
        try await H.with { server in
            #expect(try await server.request("POST", "/v1/miners/drain", key: H.miner1Key).status == 404)
            try await server.register()
            #expect(try await server.request("POST", "/v1/miners/drain", key: H.miner1Key).status == 200)
            _ = try await server.submit()
            #expect(try await server.poll() == nil)
        }
    }

    // MARK: admin routes

    @Test func adminStatsJobsAndMiners() async throws {
        try await H.with { server in
            _ = try await server.runningJob()
            _ = try await server.submit(key: H.bobKey)
            let stats = try await server.request("GET", "/v1/admin/stats", key: H.adminKey)
            #expect(stats.status == 200)
            let counts = try stats.json()
            #expect(counts["total_jobs"] == 2)
            #expect(counts["active_jobs"] == 2)
            #expect(counts["queued"] == 1)
            #expect(counts["running"] == 1)
            #expect(counts["online_miners"] == 1)
            let queued = try await server.request("GET", "/v1/admin/jobs?state=QUEUED&limit=10", key: H.adminKey)
            #expect(queued.status == 200)
            #expect(try queued.json()["items"]?.arrayValue?.map { $0["client_id"] } == ["bob"])
            let page = try await server.request("GET", "/v1/admin/jobs?limit=1", key: H.adminKey).json()
            let cursor = try #require(page["next_cursor"]?.stringValue)
            let next = try await server.request("GET", "/v1/admin/jobs?limit=1&cursor=\(cursor)", key: H.adminKey).json()
            #expect(next["items"]?.arrayValue?.count == 1)
            #expect(next["items"]?.arrayValue?.first?["job_id"] != page["items"]?.arrayValue?.first?["job_id"])
            let miners = try await server.request("GET", "/v1/admin/miners?status=ONLINE", key: H.adminKey)
            #expect(try miners.json()["items"]?.arrayValue?.first?["miner_id"] == "m1")
            #expect(try await server.request("GET", "/v1/admin/jobs?state=BOGUS", key: H.adminKey).status == 422)
            #expect(try await server.request("GET", "/v1/admin/miners?status=BOGUS", key: H.adminKey).status == 422)
            #expect(try await server.request("GET", "/v1/admin/stats", key: H.aliceKey).status == 401)
        }
    }

    // MARK: explorer

    @Test func explorerReceiptsOnBothPathsWithoutKey() async throws {
        try await H.with { server in
            let jobID = try await server.runningJob()
            _ = try await server.request("POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: #"{"result":{"ok":1}}"#)
            for path in ["/v1/explorer/receipts", "/v1/receipts", "/v1/receipts?job_id=\(jobID)&limit=1"] {
                let response = try await server.request("GET", path)
                #expect(response.status == 200)
                let body = try response.json()
                let item = try #require(body["items"]?.arrayValue?.first)
                #expect(item["jobId"] == .string(jobID))
                #expect(item["miner"] == "m1")
                #expect(item["status"] == "Signed")
                #expect(item["coordinator"] == .string(server.signingKey.publicKey.keyID))
            }
            #expect(try await server.request("GET", "/v1/receipts?job_id=\(jobID)&limit=1").json()["next_offset"] == 1)
            #expect(try await server.request("GET", "/v1/receipts?limit=0").status == 422)
            #expect(try await server.request("GET", "/v1/receipts?offset=-1").status == 422)
            #expect(try await server.request("GET", "/v1/receipts?job_id=\(String(repeating: "a", count: 65))").status == 422)
        }
    }

    @Test(arguments: ["blocks", "transactions", "addresses"])
    func chainReadsAnswer502WithoutAChainProxy(resource: String) async throws {
        try await H.with { server in
            for path in ["/v1/explorer/\(resource)", "/v1/\(resource)"] {
                let response = try await server.request("GET", path)
                #expect(response.status == 502)
                #expect(response.errorCode == "CHAIN_UNAVAILABLE")
                #expect(response.detail?.contains("CHAIN_RPC_URL") == true)
            }
        }
    }

    // MARK: CORS and router errors

    @Test func corsWildcardNeverAllowsCredentials() async throws {
        try await H.with { server in
            let response = try await server.request("GET", "/v1/health", headers: [("Origin", "https://evil.example")])
            #expect(response.headers["Access-Control-Allow-Origin"] == "*")
            #expect(response.headers["Access-Control-Allow-Credentials"] == nil)
        }
    }

    @Test func corsListEchoesAllowedOriginsWithCredentials() async throws {
        try await H.with(configure: { $0.allowOrigins = ["https://explorer.example"] }) { server in
            let allowed = try await server.request("GET", "/v1/health", headers: [("Origin", "https://explorer.example")])
            #expect(allowed.headers["Access-Control-Allow-Origin"] == "https://explorer.example")
            #expect(allowed.headers["Access-Control-Allow-Credentials"] == "true")
            let other = try await server.request("GET", "/v1/health", headers: [("Origin", "https://evil.example")])
            #expect(other.headers["Access-Control-Allow-Origin"] == nil)
            let preflight = try await server.request(
                "OPTIONS", "/v1/jobs",
                headers: [("Origin", "https://explorer.example"), ("Access-Control-Request-Method", "POST"),
                          ("Access-Control-Request-Headers", "X-Api-Key, Idempotency-Key")])
            #expect(preflight.status == 204)
            #expect(preflight.headers["Access-Control-Allow-Headers"]?.contains("Idempotency-Key") == true)
            // Errors carry the CORS headers too, so browsers can read them.
            let denied = try await server.request("GET", "/v1/admin/stats", headers: [("Origin", "https://explorer.example")])
            #expect(denied.status == 401)
            #expect(denied.headers["Access-Control-Allow-Origin"] == "https://explorer.example")
        }
    }

    @Test func routerErrorsCarryDetailToo() async throws {
        try await H.with { server in
            let missing = try await server.request("GET", "/v1/nowhere")
            #expect(missing.status == 404)
            #expect(missing.detail != nil)
            let method = try await server.request("DELETE", "/v1/jobs")
            #expect(method.status == 405)
            #expect(method.detail != nil)
        }
    }

    @Test func shutdownEndsParkedPollsWith204() async throws {
        let server = try await H.start()
        try await server.register()
        let waiting = Task.detached {
            try await server.request("POST", "/v1/miners/poll", key: H.miner1Key, body: #"{"max_wait_seconds":60}"#)
        }
        while server.service.polls.inFlight == 0 { try await Task.sleep(for: .milliseconds(10)) }
        await server.stop()
        #expect(try await waiting.value.status == 204)
    }
}
