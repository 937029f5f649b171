import Coordinator
import Cryptography
import HTTP1
import JSON
import TestSupport
import Testing

/// Issue #12 ("a newcomer's first hour"): errors that name the cause and the fix, and the
/// receipt keys published at `GET /v1/keys`.
@Suite struct NewcomerErrorTests {
    typealias H = CoordinatorServerHarness

    /// Every body the coordinator parses refuses a member it does not know, naming it and the
    /// members it accepts (spec §4 said unknown fields were ignored: a misspelt `ttl_secnds`
    /// silently became the default).
    @Test(arguments: [
        ("/v1/jobs", H.aliceKey, #"{"payload":{},"runnr":"echo"}"#, "payload, constraints, ttl_seconds", "runnr"),
        ("/v1/miners/register", H.miner1Key, #"{"capabilities":{},"concurency":2}"#, "capabilities, concurrency, region, public_key", "concurency"),
        ("/v1/miners/heartbeat", H.miner1Key, #"{"stauts":"ONLINE"}"#, "status, inflight, metadata, jobs", "stauts"),
        ("/v1/miners/poll", H.miner1Key, #"{"max_wait":5}"#, "max_wait_seconds", "max_wait"),
        ("/v1/miners/0123456789abcdef0123456789abcdef/result", H.miner1Key, #"{"result":{},"metric":{}}"#,
         "result, metrics, claim, claim_signature", "metric"),
        ("/v1/miners/0123456789abcdef0123456789abcdef/fail", H.miner1Key, #"{"error_code":"X","error_message":"y","why":1}"#,
         "error_code, error_message, metrics", "why"),
        ("/v1/admin/miners/m1/rotate-key", H.adminKey, #"{"public_key":"00","pubkey":"00"}"#, "public_key", "pubkey"),
    ])
    func unknownBodyFieldsAreRefusedByName(path: String, key: String, body: String, known: String, field: String) async throws {
        try await H.with { server in
            let response = try await server.request("POST", path, key: key, body: body)
            #expect(response.status == 422)
            #expect(response.errorCode == "INVALID_PAYLOAD")
            #expect(response.detail == "unknown field \"\(field)\" in body (known: \(known))")
        }
    }

    @Test func severalUnknownFieldsAreAllNamed() async throws {
        try await H.with { server in
            let response = try await server.request("POST", "/v1/jobs", key: H.aliceKey, body: #"{"payload":{},"a":1,"b":2}"#)
            #expect(response.detail == #"unknown fields "a", "b" in body (known: payload, constraints, ttl_seconds)"#)
        }
    }

    /// Malformed JSON names the offending character and its byte offset.
    @Test(arguments: [
        (#"{"payload":{},}"#, "body: invalid JSON: unexpected '}' at byte 14"),
        ("{\"payload\":\u{01}}", "body: invalid JSON: unexpected byte 0x01 at byte 11"),
    ])
    func malformedJSONNamesTheOffendingCharacter(body: String, detail: String) async throws {
        try await H.with { server in
            let response = try await server.request("POST", "/v1/jobs", key: H.aliceKey, body: body)
            #expect(response.status == 422)
            #expect(response.detail == detail)
        }
    }

    /// A job that exists but has no receipt is not "job not found": its own code, and a
    /// message saying why.
    @Test func receiptOfAFailedJobIsReceiptNotAvailable() async throws {
        try await H.with { server in
            let jobID = try await server.runningJob()
            let failed = try await server.request(
                "POST", "/v1/miners/\(jobID)/fail", key: H.miner1Key, body: #"{"error_code":"OOM","error_message":"out of memory"}"#)
            #expect(failed.status == 200)
            let response = try await server.request("GET", "/v1/jobs/\(jobID)/receipt", key: H.aliceKey)
            #expect(response.status == 404)
            #expect(response.errorCode == "RECEIPT_NOT_AVAILABLE")
            #expect(response.detail == "receipt not available")
            #expect(try response.json()["error"]?["message"] == "receipt not available: the job is FAILED; only COMPLETED jobs get a receipt")
            let unknown = try await server.request("GET", "/v1/jobs/0123456789abcdef0123456789abcdef/receipt", key: H.aliceKey)
            #expect(unknown.errorCode == "JOB_NOT_FOUND")
        }
    }

    /// `GET /v1/keys`, public: the exact shape the `aitbc` CLI codes against.
    @Test func keysPublishesTheReceiptPublicKeys() async throws {
        let attestation = Ed25519.PrivateKey.generate()
        try await H.with(configure: { $0.attestationKey = attestation }) { server in
            let response = try await server.request("GET", "/v1/keys")
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "application/json")
            let keys = try #require(try response.json()["keys"]?.arrayValue)
            #expect(keys.count == 2)
            let signing = server.signingKey.publicKey
            #expect(
                keys[0]
                    == .object([
                        JSONMember(key: "key_id", value: .string(signing.keyID)),
                        JSONMember(key: "public_key_hex", value: .string(signing.hex)),
                        JSONMember(key: "alg", value: "Ed25519"), JSONMember(key: "use", value: "receipt-signing"),
                    ]))
            #expect(keys[0]["key_id"]?.stringValue?.utf8.count == 43)
            #expect(keys[0]["public_key_hex"]?.stringValue?.utf8.count == 64)
            #expect(keys[1]["key_id"] == .string(attestation.publicKey.keyID))
            #expect(keys[1]["use"] == "receipt-attestation")
            // The key_id is the one receipts are signed under.
            let jobID = try await server.runningJob()
            let done = try await server.request(
                "POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: #"{"result":{"ok":true},"metrics":{"duration_ms":5}}"#)
            #expect(try done.json()["receipt"]?["signature"]?["key_id"] == keys[0]["key_id"])
        }
    }

    @Test func keysIsEmptyWhenSigningIsOff() async throws {
        try await H.with(configure: {
            $0.signingKey = nil
            $0.attestationKey = Ed25519.PrivateKey.generate()
        }) { server in
            let response = try await server.request("GET", "/v1/keys")
            #expect(response.status == 200)
            #expect(response.text == #"{"keys":[]}"#)
        }
    }
}
