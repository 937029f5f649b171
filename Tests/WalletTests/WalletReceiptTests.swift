import Cryptography
import HTTP1
import HTTPServer
import JSON
import Logging
import Receipts
import Testing
import Wallet
import WireModels
import Foundation

/// Receipts served by the test instead of a coordinator.
struct FixedReceipts: ReceiptSource {
    let receipts: [String: [JSONValue]]

    func latest(jobID: String) async throws(WalletError) -> Receipt {
        guard let last = receipts[jobID]?.last else { throw .notFound("receipt not found", code: "RECEIPT_NOT_FOUND") }
        return (try? Receipt(json: last)) ?? Receipt(payload: [])
    }

    func history(jobID: String) async throws(WalletError) -> [Receipt] {
        (receipts[jobID] ?? []).map { (try? Receipt(json: $0)) ?? Receipt(payload: []) }
    }
}

/// spec/wallet-daemon.md §12 and §15.16: the cross-language vector, pinned keys reported as
/// `trusted`, malformed receipts answered with reasons (never 500), and the coordinator's
/// failures mapped to 502 / empty history.
@Suite struct WalletReceiptTests {
    static let keyID = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    static let sig = "dl3YQV3Np0n-JZFUBl2thjlAn6m9oeJQICeypV3GbEb5va9pK0Wto-MVPGt_RLQTUQaYyogw62VQtCrC8rfwAA"
    static let text =
        #"{"version":"1.0","receipt_id":"rcpt-1","job_id":"job-123","provider":"miner-abc","client":"client-xyz","units":1.0,"unit_type":"gpu_seconds","price":3.5,"started_at":1700000000,"completed_at":1700000005,"metadata":{},"signature":{"alg":"Ed25519","key_id":"\#(keyID)","sig":"\#(sig)"}}"#

    static func json(_ text: String) throws -> JSONValue { try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(text) }

    @Test func theSpecVectorVerifiesAndAnyOneByteChangeFails() throws {
        let trusted = try Ed25519.PublicKey(rawRepresentation: try Base64URL.decode(Self.keyID))
        let verifier = WalletReceiptVerifier(trustedKeys: [trusted])
        let good = verifier.verify(try Receipt(json: try Self.json(Self.text)), jobID: "job-123")
        #expect(good.allValid && good.minerSignature.valid && good.minerSignature.trusted && good.minerSignature.reason == nil)
        for (from, to) in [(#""units":1.0"#, #""units":1"#), (#""price":3.5"#, #""price":3.6"#), (#""job_id":"job-123""#, #""job_id":"job-124""#)] {
            let changed = verifier.verify(try Receipt(json: try Self.json(Self.text.replacingOccurrences(of: from, with: to))), jobID: "job-123")
            #expect(!changed.allValid && changed.minerSignature.reason == "signature_mismatch", "\(to)")
        }
    }

    @Test func receiptVerificationNeverAnswers500AndReportsUntrustedKeys() async throws {
        let forger = Ed25519.PrivateKey.generate()
        var unsigned = try Receipt(json: try Self.json(Self.text))
        unsigned.signature = nil
        let forged = try ReceiptSigner(key: forger).sign(unsigned)
        let malformed: [String] = [
            #"{"receipt_id":"r1","job_id":"j"}"#, #"{"receipt_id":"r2","signature":"x"}"#, #"{"receipt_id":"r3","signature":{"alg":"RSA","key_id":"k","sig":"s"}}"#,
            #"{"receipt_id":"r4","signature":{"alg":"Ed25519","key_id":"@@","sig":"@@"}}"#, #"{"receipt_id":"r5","attestations":"nope","signature":null}"#,
            #"{"receipt_id":"r6","units":"x","signature":{"alg":"Ed25519","key_id":"\#(Self.keyID)","sig":"\#(Self.sig)"}}"#,
        ]
        let jobs: [String: [JSONValue]] = [
            "forged": [forged.json], "bad": try malformed.map { try Self.json($0) }, "vector": [try Self.json(Self.text)],
        ]
        let daemon = try await WalletTestDaemon.start({ $0.trustedReceiptKeys = [] }, receipts: FixedReceipts(receipts: jobs))
        let self_signed = try await daemon.get("/v1/receipts/forged")
        #expect(self_signed.status == 200 && self_signed.body["result"]?["miner_signature"]?["valid"] == true)
        #expect(self_signed.body["result"]?["miner_signature"]?["trusted"] == false && self_signed.body["result"]?["all_valid"] == false)
        let history = try await daemon.get("/v1/receipts/bad/history")
        #expect(history.status == 200)
        let items = try #require(history.body["items"]?.arrayValue)
        #expect(items.count == malformed.count && items.allSatisfy { $0["all_valid"] == false && $0["miner_signature"]?["reason"]?.stringValue != nil })
        #expect(try await daemon.get("/v1/receipts/missing").body == ["detail": "receipt not found"])
        #expect(try await daemon.get("/v1/receipts/missing/history").body == ["items": []])
        let rpc = try await daemon.post("/rpc", ["jsonrpc": "2.0", "method": "receipts.verify_latest", "params": ["job_id": "missing"], "id": 1])
        #expect(rpc.body["error"] == ["code": -32004, "message": "receipt not found"])
        #expect(try await daemon.post("/rpc", ["jsonrpc": "2.0", "method": "receipts.verify_latest", "params": [:], "id": 2]).body["error"]?["message"] == "job_id required")
        await daemon.stop()
    }

    @Test func anUnreachableCoordinatorIs502AndAHistory404IsEmpty() async throws {
        // A coordinator that knows no job: 404 on every route.
        let router = Router()
        router.get("/v1/jobs/{id}/receipts") { _, _ in throw HTTPError(.notFound, code: "JOB_NOT_FOUND") }
        let coordinator = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), router: router, logger: Logger(label: "fake-coordinator"))
        try await coordinator.start()
        let job = String(repeating: "ab", count: 16)
        let known = try await WalletTestDaemon.start(
            receipts: CoordinatorReceiptSource(baseURL: "http://127.0.0.1:\(coordinator.port ?? 0)", apiKey: "k", maxRetries: 0))
        #expect(try await known.get("/v1/receipts/\(job)/history").body == ["items": []])
        await known.stop()
        await coordinator.shutdown(deadline: .seconds(1))
        // Nothing listens on port 9 of loopback: connection refused.
        let down = try await WalletTestDaemon.start(receipts: CoordinatorReceiptSource(baseURL: "http://127.0.0.1:9", apiKey: "k", maxRetries: 0))
        #expect(try await down.get("/v1/receipts/\(job)").body == ["detail": "coordinator unavailable"])
        #expect(try await down.get("/v1/receipts/\(job)").status == 502)
        #expect(try await down.get("/v1/receipts/\(job)/history").status == 502)
        await down.stop()
        // Without COORDINATOR_API_KEY the routes say so.
        let unset = try await WalletTestDaemon.start()
        #expect(try await unset.get("/v1/receipts/\(job)").status == 503)
        await unset.stop()
    }
}
