import Coordinator
import JSON
import TestSupport
import Testing

/// Issue #10, defect 9: a miner's public key is pinned at first registration; only an admin
/// rotation replaces it.
@Suite struct MinerKeyPinningTests {
    typealias H = CoordinatorServerHarness

    static let keyA = String(repeating: "a1", count: 32)
    static let keyB = String(repeating: "b2", count: 32)

    static func register(_ server: H, key: String?) async throws -> HTTPTestResponse {
        let body = key.map { #"{"capabilities":{},"public_key":"\#($0)"}"# } ?? #"{"capabilities":{}}"#
        return try await server.request("POST", "/v1/miners/register", key: H.miner1Key, body: body)
    }

    static func rotate(_ server: H, to key: String, miner: String = "m1", as apiKey: String = H.adminKey) async throws
        -> HTTPTestResponse
    {
        try await server.request(
            "POST", "/v1/admin/miners/\(miner)/rotate-key", key: apiKey, body: #"{"public_key":"\#(key)"}"#)
    }

    /// Attack: anyone holding the miner API key re-registered with their own `public_key` and
    /// then signed work claims the coordinator embedded in receipts as the miner's.
    @Test func reRegisteringWithAnotherKeyIs409() async throws {
        try await H.with { (server: H) async throws in
            #expect(try await Self.register(server, key: Self.keyA).status == 200)
            let refused = try await Self.register(server, key: Self.keyB)
            #expect(refused.status == 409)
            #expect(refused.errorCode == "MINER_KEY_PINNED")
            #expect(refused.detail?.contains("admin") == true && refused.detail?.contains("rotate-key") == true)
            // The same key (any hex case) re-registers as before.
            #expect(try await Self.register(server, key: Self.keyA).status == 200)
            #expect(try await Self.register(server, key: Self.keyA.uppercased()).status == 200)
        }
    }

    /// A pinned miner that registers without its key could never sign the claims its results
    /// need (it would take jobs it cannot deliver): refused, and the pin stays.
    @Test func registeringWithoutAKeyIsRefusedAndKeepsThePin() async throws {
        try await H.with { (server: H) async throws in
            #expect(try await Self.register(server, key: Self.keyA).status == 200)
            let keyless = try await Self.register(server, key: nil)
            #expect(keyless.status == 409)
            #expect(String(decoding: keyless.body, as: UTF8.self).contains("MINER_KEY_PINNED"))
            // The body names the miner id the rotation route needs.
            #expect(try keyless.json()["error"]?["details"]?["miner_id"] == "m1")
            #expect(try await Self.register(server, key: Self.keyB).status == 409)
            #expect(try await Self.register(server, key: Self.keyA).status == 200)
        }
    }

    @Test func adminRotationReplacesThePinnedKeyAndIsRecorded() async throws {
        try await H.with { (server: H) async throws in
            #expect(try await Self.register(server, key: Self.keyA).status == 200)
            let rotated = try await Self.rotate(server, to: Self.keyB)
            #expect(rotated.status == 200)
            #expect(try rotated.json()["previous_public_key"] == .string(Self.keyA))
            #expect(try rotated.json()["public_key"] == .string(Self.keyB))
            #expect(try await Self.register(server, key: Self.keyB).status == 200)
            #expect(try await Self.register(server, key: Self.keyA).status == 409)
            let history = try await server.service.coordinator.store.minerKeyRotations(minerID: "m1")
            #expect(history.count == 1)
            #expect(history.first?.previousKey == Self.keyA && history.first?.newKey == Self.keyB)
            #expect(history.first?.actor == "root")
        }
    }

    @Test func rotationNeedsAnAdminKeyAKnownMinerAndAWellFormedKey() async throws {
        try await H.with { (server: H) async throws in
            #expect(try await Self.register(server, key: Self.keyA).status == 200)
            #expect(try await Self.rotate(server, to: Self.keyB, as: H.miner1Key).status == 401)
            #expect(try await Self.rotate(server, to: Self.keyB, miner: "nobody").status == 404)
            #expect(try await Self.rotate(server, to: "xyz").status == 422)
            #expect(try await Self.register(server, key: Self.keyB).status == 409)
        }
    }
}
