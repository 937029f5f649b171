import Cryptography
import Foundation
import HTTP1
import JSON
import Testing
import Wallet
import TestSupport
import WalletCore

/// The [REF] routes wire-compatible (spec §8) and the id rules (§15.7), against a live daemon.
@Suite struct WalletRESTTests {
    @Test func referenceRoutesKeepTheirShapesStatusesAndDetails() async throws {
        let daemon = try await WalletTestDaemon.start()
        let created = try await daemon.create("main")
        #expect(created["wallet"]?["wallet_id"] == "main" && created["wallet"]?["public_key"]?.stringValue?.count == 64)
        #expect(try await daemon.post("/v1/wallets", ["wallet_id": "main", "password": "Correct-horse-9!"]).body == ["detail": "wallet already exists"])
        #expect(try await daemon.post("/v1/wallets", ["wallet_id": "b", "password": "Correct-horse-9!", "secret_key": "!!"]).body == ["detail": "invalid base64 secret"])
        #expect(try await daemon.post("/v1/wallets", ["wallet_id": "b", "password": "Correct-horse-9!", "secret_key": "AAAA"]).body == ["detail": "secret key must be 32 bytes"])
        let weak = try await daemon.post("/v1/wallets", ["wallet_id": "b", "password": "alllowercase1!"])
        #expect(weak.status == 400 && weak.body == ["detail": "password must contain an upper-case letter (A-Z)"])
        // The reference's list had no return statement (500); here it lists.
        let list = try await daemon.get("/v1/wallets")
        #expect(list.status == 200 && list.body["items"]?.arrayValue?.count == 1)
        let unlocked = try await daemon.post("/v1/wallets/main/unlock", ["password": "Correct-horse-9!"])
        #expect(unlocked.status == 200 && unlocked.body["unlocked"] == true && unlocked.body["wallet_id"] == "main")
        let signed = try await daemon.post("/v1/wallets/main/sign", ["password": "Correct-horse-9!", "message_base64": "aGVsbG8="])
        #expect(signed.status == 200 && signed.body["signature_base64"]?.stringValue?.count == 88)
        #expect(try await daemon.post("/v1/wallets/main/sign", ["message_base64": "a$=="]).body == ["detail": "invalid base64 message"])
        let missing = try await daemon.post("/v1/wallets/main/unlock", [:])
        #expect(missing.status == 422 && missing.body["detail"]?.arrayValue?.first?["loc"] == ["body", "password"])
        await daemon.stop()
    }

    @Test func messagesAreSignedUnderTheMessageDomainNeverAsRawBytes() async throws {
        let daemon = try await WalletTestDaemon.start()
        let created = try await daemon.create("main")
        let key = try Ed25519.PublicKey(hex: try #require(created["wallet"]?["public_key"]?.stringValue))
        let message: [UInt8] = Array(repeating: 7, count: 32)  // the size of a transaction id
        let signed = try await daemon.post(
            "/v1/wallets/main/sign", ["password": .string(WalletTestDaemon.password), "message_base64": .string(StrictBase64.encode(message))])
        let signature = try StrictBase64.decode(try #require(signed.body["signature_base64"]?.stringValue))
        #expect(signed.body["domain"] == "message")
        #expect(key.isValidSignature(signature, for: Array("AITBC signed message v1\n".utf8) + message))
        #expect(!key.isValidSignature(signature, for: message))
        await daemon.stop()
    }

    @Test(arguments: ["../x", "A", "a/b", ".", String(repeating: "a", count: 65), "..", "a.b"])
    func invalidWalletIDsAre400WithoutFileAccess(id: String) async throws {
        let daemon = try await WalletTestDaemon.start()
        let encoded = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id
        let create = try await daemon.post("/v1/wallets", ["wallet_id": .string(id), "password": .string(WalletTestDaemon.password)])
        #expect(create.status == 400)
        #expect(try await daemon.post("/v1/wallets/\(encoded)/unlock", ["password": .string(WalletTestDaemon.password)]).status == 400)
        // Nothing was written: the keystore holds no file and the KDF never ran.
        #expect(try FileManager.default.contentsOfDirectory(atPath: daemon.directory.path("keystore")).isEmpty)
        #expect(daemon.service.gate.completed == 0)
        await daemon.stop()
    }

    @Test func eventsAreWrittenOnlyForWalletsThatExist() async throws {
        let daemon = try await WalletTestDaemon.start()
        try await daemon.create("main")
        _ = try await daemon.post("/v1/wallets/main/unlock", ["password": "Wrong-password-1!"])
        _ = try await daemon.post("/v1/wallets/ghost/unlock", ["password": "Wrong-password-1!"])
        let events = try await daemon.service.ledger.events("main").map(\.type)
        #expect(events == ["created", "unlocked"])
        #expect(try await daemon.service.ledger.events("ghost").isEmpty)
        await daemon.stop()
    }

    @Test func theRateLimitAnswers429WithRetryAfter() async throws {
        let daemon = try await WalletTestDaemon.start { $0.rateLimitRequests = 3 }
        try await daemon.create("main")
        for _ in 0..<3 { #expect(try await daemon.post("/v1/wallets/main/sign", ["message_base64": "aGk="]).status == 401) }
        let limited = try await daemon.post("/v1/wallets/main/sign", ["message_base64": "aGk="])
        #expect(limited.status == 429 && limited.body["detail"] == "rate limit exceeded" && limited.body["code"] == "RATE_LIMIT")
        #expect((Int(limited.headers["Retry-After"] ?? "") ?? 0) >= 1)
        await daemon.stop()
    }

    @Test func hdWalletsDeriveIdempotentAccountsAndRefuseNonHardenedPaths() async throws {
        let daemon = try await WalletTestDaemon.start()
        let created = try await daemon.create("hd1", kind: "hd")
        #expect(created["mnemonic"]?.stringValue?.split(separator: " ").count == 24)
        _ = try await daemon.post("/v1/wallets/hd1/unlock", ["password": .string(WalletTestDaemon.password)])
        let first = try await daemon.post("/v1/wallets/hd1/accounts", ["path": "m/44'/12345'/0'/0'/1'"])
        #expect(first.status == 201 && first.body["account_id"] == "hd1:0:0:1")
        #expect(try await daemon.post("/v1/wallets/hd1/accounts", ["path": "m/44'/12345'/0'/0'/1'"]).body == first.body)
        let bad = try await daemon.post("/v1/wallets/hd1/accounts", ["path": "m/44'/12345'/0'/0/1'"])
        #expect(bad.status == 400 && bad.body["code"] == "INVALID_PATH")
        let accounts = try await daemon.get("/v1/wallets/hd1/accounts")
        #expect(accounts.body["items"]?.arrayValue?.compactMap { $0["account_id"]?.stringValue } == ["hd1:0:0:0", "hd1:0:0:1"])
        let address = try await daemon.get("/v1/address/hd1:0:0:1")
        #expect(address.status == 200 && address.body["address"] == first.body["address"])
        // The derived account signs while unlocked.
        let signed = try await daemon.post("/v1/wallets/hd1/sign", ["message_base64": "aGk=", "account_id": "hd1:0:0:1"])
        #expect(signed.status == 200 && signed.body["public_key"] == first.body["public_key"])
        await daemon.stop()
    }
}
