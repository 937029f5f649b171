import Coordinator
import Cryptography
import Foundation
import JSON
import TestSupport
import Testing

/// Issue #10, defect 6: nothing reachable without a key may carry a client's payload, a result
/// or the miner's metrics. The routes come from the OpenAPI document (every operation with
/// `security: []`), so a public route added later is covered without editing this test.
@Suite struct PublicViewTests {
    typealias H = CoordinatorServerHarness

    /// Every public GET path of the OpenAPI document, plus the receipts reads filtered by the
    /// job (`{job}` is replaced by the completed job's id).
    static let publicPaths: [String] = {
        var paths: [String] = []
        let document = try? JSONParser(limits: .init(maxInputBytes: 1 << 22)).parse(OpenAPIDocument.json)
        for member in document?["paths"]?.objectValue ?? [] {
            guard let get = member.value["get"], get["security"]?.arrayValue?.isEmpty == true else { continue }
            paths.append(member.key)
        }
        return paths + ["/v1/explorer/receipts?job_id={job}", "/v1/receipts?job_id={job}"]
    }()

    @Test func theDocumentListsEveryKnownPublicRoute() {
        let known = [
            "/v1/health", "/v1/keys", "/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/explorer/receipts", "/v1/receipts",
            "/v1/explorer/blocks", "/v1/blocks", "/v1/explorer/transactions", "/v1/transactions", "/v1/explorer/addresses",
            "/v1/addresses",
        ]
        for path in known { #expect(Self.publicPaths.contains(path), "\(path)") }
    }

    /// Attack: `GET /v1/explorer/receipts?job_id=…` without a key returned the signed receipt,
    /// whose metadata holds `job_payload`, `result` and `metrics`.
    @Test(arguments: publicPaths) func publicRouteShowsNoPayloadResultOrMetrics(path: String) async throws {
        let marker = "leak-marker-" + Hex.encode(SecureRandom.bytes(count: 8))
        try await H.with { server in
            try await server.register()
            let jobID = try await server.submit(body: #"{"payload":{"prompt":"\#(marker)-payload"}}"#)
            #expect(try await server.poll() == jobID)
            let done = try await server.request(
                "POST", "/v1/miners/\(jobID)/result", key: H.miner1Key,
                body: #"{"result":{"text":"\#(marker)-result"},"metrics":{"note":"\#(marker)-metrics","duration_ms":5}}"#)
            #expect(done.status == 200)
            // The marker is really in the full receipt, which its client may read.
            let owner = try await server.request("GET", "/v1/jobs/\(jobID)/receipt", key: H.aliceKey)
            #expect(owner.text.contains("\(marker)-payload") && owner.text.contains("\(marker)-result"))
            #expect(owner.text.contains("\(marker)-metrics"))

            let response = try await server.request("GET", path.replacingOccurrences(of: "{job}", with: jobID))
            #expect(!response.text.contains(marker), "\(path) answered \(response.status) with the marker")
            if path.contains("receipts") {
                // The summary is there, with the documented keys and hashes instead of content.
                #expect(response.status == 200)
                let item = try #require(try response.json()["items"]?.arrayValue?.first)
                #expect(item["jobId"] == .string(jobID))
                for key in ["receiptId", "miner", "coordinator", "issuedAt", "status", "artifactHash", "receiptHash", "keyId", "units"] {
                    #expect(item[key] != nil && item[key] != .null, "\(key)")
                }
                #expect(item["payload"] == nil)
                #expect(item["miner"] == "m1")
            }
        }
    }
}
