import Coordinator
import Cryptography
import JSON
import Receipts
import SQLite
import Testing
import WireModels

@Suite struct ReceiptIssuanceTests {
    @Test func receiptVerifiesAgainstConfiguredKeys() async throws {
        let harness = try await CoordinatorHarness.make(attestation: true)
        try await harness.register("miner-1", capabilities: CoordinatorHarness.gpuCapabilities)
        let jobID = try await harness.running()
        harness.clock.advance(milliseconds: 2_500)
        let outcome = try await harness.store.complete(
            jobID: jobID, minerID: "miner-1", result: ["text": "ok", "units": 100], metrics: ["unit_type": "gpu_seconds"])
        let json = try #require(outcome.receipt)
        let receipt = try Receipt(json: json)
        let verifier = ReceiptVerifier(
            trustedKeys: [harness.signingKey.publicKey], attestationKeys: [harness.attestationKey.publicKey])
        let verification = verifier.verify(receipt)
        #expect(verification.isVerified)
        #expect(verification.attestations.count == 1)
        // The stored copy and the history row are the same signed object.
        #expect(try await harness.store.latestReceipt(jobID: jobID, clientID: "client-a") == json)
        let history = try await harness.store.receiptHistory(jobID: jobID, clientID: "client-a")
        #expect(history.items == [json])
        // A foreign key does not verify it.
        let stranger = ReceiptVerifier(trustedKeys: [Ed25519.PrivateKey.generate().publicKey])
        #expect(!stranger.verify(receipt).isVerified)
    }

    /// Spec §9 / §11 weakness 8: coordinator-side facts — started_at is the assignment time,
    /// completed_at ≥ started_at, units capped at wall time × assigned GPUs, the price per
    /// unit the miner registered (issue 10), the miner's own figures kept in metadata.billing.
    @Test func receiptFactsComeFromTheCoordinator() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", capabilities: CoordinatorHarness.gpuCapabilities)
        let job = try await harness.submit()
        harness.clock.advance(seconds: 7)
        _ = try await harness.store.claimNextJob(minerID: "miner-1")
        let assignedAt = harness.clock.nowMilliseconds()
        harness.clock.advance(milliseconds: 4_000)
        let outcome = try await harness.store.complete(
            jobID: job.id, minerID: "miner-1", result: ["units": 3_600], metrics: ["price": 2])
        let receipt = try #require(outcome.receipt)
        #expect(receipt["started_at"] == .integer(JSONInteger(assignedAt / 1_000)))
        #expect(receipt["completed_at"] == .integer(JSONInteger(assignedAt / 1_000 + 4)))
        #expect(receipt["units"] == .float(4.0))
        #expect(receipt["unit_type"] == "gpu_seconds")
        #expect(receipt["price"] == .float(0.5))
        #expect(receipt["provider"] == "miner-1")
        #expect(receipt["client"] == "client-a")
        #expect(receipt["job_id"] == .string(job.id))
        #expect(receipt["version"] == "1.0")
        #expect(receipt["receipt_id"]?.stringValue?.utf8.count == 32)
        #expect(receipt["metadata"]?["requested_at"] == .integer(JSONInteger(job.requestedAt / 1_000)))
        #expect(receipt["metadata"]?["metrics"]?["duration_ms"] == 4_000)
        let billing = try #require(receipt["metadata"]?["billing"])
        #expect(billing["reported"] == ["units": .float(3_600), "price": .float(2)])
        #expect(billing["units_cap"] == .float(4.0))
        #expect(billing["capped"] == true)
        #expect(billing["assigned_gpus"] == 1)
        #expect(billing["unit_price"] == .float(0.5))
        #expect(billing["amount"] == .float(2.0))
    }

    @Test func clockSteppingBackStillGivesOrderedTimes() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        harness.clock.advance(seconds: -30)
        let receipt = try #require(try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: .object([])).receipt)
        let started = try #require(receipt["started_at"]?.int64Value)
        let completed = try #require(receipt["completed_at"]?.int64Value)
        #expect(completed >= started)
        #expect(receipt["units"] == .float(0.0))
    }

    /// Spec §11 weakness 2: API keys never reach receipts or principals.
    @Test func keysNeverAppearInReceipts() async throws {
        let clientKey = "client-secret-key-123"
        let minerKey = "miner-secret-key-456"
        let harness = try await CoordinatorHarness.make()
        let ring = APIKeyRing(keys: [.client: [(id: nil, key: clientKey)], .miner: [(id: nil, key: minerKey)]])
        let client = try ring.authenticate(clientKey, role: .client)
        let miner = try ring.authenticate(minerKey, role: .miner)
        try await harness.register(miner.id)
        _ = try await harness.submit(client.id)
        let claimed = try #require(try await harness.store.claimNextJob(minerID: miner.id))
        let receipt = try #require(
            try await harness.store.complete(jobID: claimed.jobID, minerID: miner.id, result: ["r": 1]).receipt)
        let text = try JSONSerializer().string(receipt)
        #expect(!text.contains(clientKey))
        #expect(!text.contains(minerKey))
        #expect(text.contains(client.id))
        #expect(text.contains(miner.id))
        let everything = try await harness.store.database.read { db in
            try db.query("SELECT * FROM job").description + (try db.query("SELECT * FROM miner").description)
                + (try db.query("SELECT * FROM jobreceipt").description)
        }
        #expect(!everything.contains(clientKey))
        #expect(!everything.contains(minerKey))
    }

    @Test func explorerListingShowsStatus() async throws {
        let harness = try await CoordinatorHarness.make(attestation: true)
        try await harness.register("miner-1", concurrency: 4)
        var ids: [String] = []
        for _ in 0..<3 {
            let jobID = try await harness.running()
            _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: .object([]))
            ids.append(jobID)
            harness.clock.advance(seconds: 1)
        }
        let all = try await harness.store.explorerReceipts(limit: 10)
        #expect(all.map(\.jobID) == ids.reversed())
        #expect(all.allSatisfy { $0.status == "Attested" })
        let one = try await harness.store.explorerReceipts(jobID: ids[0])
        #expect(one.count == 1)
        #expect(try await harness.store.explorerReceipts(limit: 1, offset: 1).map(\.jobID) == [ids[1]])
        await #expect(throws: CoordinatorError.self) { try await harness.store.explorerReceipts(limit: 201) }
    }
}
