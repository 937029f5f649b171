import Coordinator
import Cryptography
import JSON
import TestSupport
import Testing

/// Issue #10, defect 9: a miner's public key is pinned at first registration; only an admin
/// rotation replaces it.
@Suite struct MinerKeyPinningTests {
    typealias H = CoordinatorServerHarness

    /// Real public keys (a pinned key must be a usable Ed25519 point).
    static let keyA = publicKeyHex(seedByte: 0xA1)
    static let keyB = publicKeyHex(seedByte: 0xB2)

    static func publicKeyHex(seedByte: UInt8) -> String {
        (try? Ed25519.PrivateKey(seedBytes: [UInt8](repeating: seedByte, count: 32)))?.publicKey.hex ?? ""
    }

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

/// Black-box review (issue 11): the admin rotation took an all-zero public key. Zero and the
/// other small-order points are keys no signer holds, and some verifiers accept forged
/// signatures under them; registration and rotation both refuse them, and off-curve bytes.
@Suite struct UnusableMinerKeyTests {
    typealias H = CoordinatorServerHarness
    typealias Pinning = MinerKeyPinningTests

    /// Small-order points — y = 0 (order 4), the identity y = 1, y = p − 1 (order 2) — and
    /// y = p, a non-canonical encoding.
    static let unusable = [
        String(repeating: "00", count: 32), "01" + String(repeating: "00", count: 31),
        "ec" + String(repeating: "ff", count: 30) + "7f", "ed" + String(repeating: "ff", count: 30) + "7f",
    ]

    @Test func registrationRefusesKeysNoSignerHolds() async throws {
        try await H.with { (server: H) async throws in
            for key in Self.unusable {
                let refused = try await Pinning.register(server, key: key)
                #expect(refused.status == 422, "\(key)")
                #expect(refused.detail?.contains("public_key: not a usable Ed25519 public key") == true)
            }
            #expect(try await Pinning.register(server, key: Pinning.keyA).status == 200)
        }
    }

    @Test func rotationRefusesKeysNoSignerHoldsAndKeepsThePin() async throws {
        try await H.with { (server: H) async throws in
            #expect(try await Pinning.register(server, key: Pinning.keyA).status == 200)
            for key in Self.unusable {
                #expect(try await Pinning.rotate(server, to: key).status == 422, "\(key)")
            }
            #expect(try await Pinning.register(server, key: Pinning.keyA).status == 200)
        }
    }

    /// An upper-case key is the same key: stored in lower case, so the pin compares equal.
    @Test func aRotatedKeyIsStoredInLowerCase() async throws {
        try await H.with { (server: H) async throws in
            #expect(try await Pinning.register(server, key: Pinning.keyA).status == 200)
            let rotated = try await Pinning.rotate(server, to: Pinning.keyB.uppercased())
            #expect(try rotated.json()["public_key"] == .string(Pinning.keyB))
        }
    }
}
