import Cryptography
import Foundation
import HTTP1
import HTTPServer
import JSON
import Logging
import Receipts
import ServiceRuntime
import Synchronization
import Testing
import Wallet
import WalletCore

/// spec/wallet-daemon.md §15 items 8–14 against a live in-process daemon (ephemeral loopback
/// port, real keystore files and SQLite ledger).
@Suite struct WalletAcceptanceTests {
    static let password = JSONValue.string(WalletTestDaemon.password)

    // §15.8
    @Test func secretBufferReadsZeroAfterLockExpiryAndShutdown() async throws {
        let daemon = try await WalletTestDaemon.start()
        for id in ["a", "b", "c"] {
            try await daemon.create(id)
            #expect(try await daemon.post("/v1/wallets/\(id)/unlock", ["password": Self.password]).status == 200)
        }
        let a = try #require(daemon.service.keyring.slotForTesting("a"))
        #expect(a.bytesForTesting().contains { $0 != 0 })
        #expect(try await daemon.post("/v1/wallets/a/lock", [:]).body == ["wallet_id": "a", "unlocked": false])
        #expect(a.bytesForTesting().allSatisfy { $0 == 0 })
        // Expiry: 120 s from unlock (use does not extend it).
        let b = try #require(daemon.service.keyring.slotForTesting("b"))
        daemon.clock.advance(by: .seconds(119))
        #expect(try await daemon.post("/v1/wallets/b/sign", ["message_base64": "aGk="]).status == 200)
        daemon.clock.advance(by: .seconds(1))
        daemon.service.keyring.expire()
        #expect(b.bytesForTesting().allSatisfy { $0 == 0 })
        let locked = try await daemon.post("/v1/wallets/b/sign", ["message_base64": "aGk="])
        #expect(locked.status == 401 && locked.body == ["detail": "wallet is locked", "code": "WALLET_LOCKED"])
        // Shutdown wipes what is still unlocked.
        let c = try #require(daemon.service.keyring.slotForTesting("c"))
        await daemon.stop()
        #expect(c.bytesForTesting().allSatisfy { $0 == 0 })
    }

    // §15.9
    @Test func sixWrongPasswordsLockOutEvenTheRightOneUntilTheWaitThenSuccessResets() async throws {
        let daemon = try await WalletTestDaemon.start()
        try await daemon.create("main")
        for _ in 0..<5 { #expect(try await daemon.post("/v1/wallets/main/unlock", ["password": "Wrong-password-1!"]).status == 401) }
        let sixth = try await daemon.post("/v1/wallets/main/unlock", ["password": "Wrong-password-1!"])
        #expect(sixth.status == 429 && (Int(sixth.headers["Retry-After"] ?? "") ?? 0) >= 1)
        let right = try await daemon.post("/v1/wallets/main/unlock", ["password": Self.password])
        #expect(right.status == 429 && (Int(right.headers["Retry-After"] ?? "") ?? 0) >= 1)
        // The same counter answers on /rpc.
        let rpc = try await daemon.post(
            "/rpc", ["jsonrpc": "2.0", "method": "wallet.unlock", "params": ["wallet_id": "main", "password": Self.password], "id": 1])
        #expect(rpc.body["error"]?["code"] == -32005 && (rpc.body["error"]?["data"]?["retry_after"]?.int64Value ?? 0) >= 1)
        daemon.clock.advance(by: .seconds(1))
        #expect(try await daemon.post("/v1/wallets/main/unlock", ["password": Self.password]).status == 200)
        // Reset: five more failures are needed before the next lockout.
        for _ in 0..<4 { #expect(try await daemon.post("/v1/wallets/main/unlock", ["password": "Wrong-password-1!"]).status == 401) }
        #expect(try await daemon.post("/v1/wallets/main/unlock", ["password": Self.password]).status == 200)
        await daemon.stop()
    }

    /// Guesses sent all at once are not all tried before the first failure counts: each one
    /// checks the lockout when its KDF slot comes up, so 40 parallel wrong passwords get at most
    /// threshold + slots − 1 = 6 tries (401) and the rest 429, and the right password after them
    /// is refused too.
    @Test func aBurstOfParallelGuessesGetsNoMoreTriesThanTheLockoutAllows() async throws {
        let daemon = try await WalletTestDaemon.start { $0.rateLimitRequests = 0 }
        try await daemon.create("main")
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 {
                group.addTask { try await daemon.post("/v1/wallets/main/unlock", ["password": "Wrong-password-1!"]).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let tried = statuses.filter { $0 == 401 }.count
        #expect(tried >= 5 && tried <= 5 + daemon.service.gate.maxConcurrent - 1)
        #expect(statuses.filter { $0 == 429 }.count == 40 - tried)
        #expect(try await daemon.post("/v1/wallets/main/unlock", ["password": Self.password]).status == 429)
        await daemon.stop()
    }

    @Test func lockoutCountersAreSharedBetweenRPCAndREST() async throws {
        let daemon = try await WalletTestDaemon.start()
        try await daemon.create("main")
        for id in 1...5 {
            let reply = try await daemon.post(
                "/rpc", ["jsonrpc": "2.0", "method": "wallet.unlock", "params": ["wallet_id": "main", "password": "Wrong-password-1!"], "id": .integer(JSONInteger(id))])
            #expect(reply.body["error"]?["code"] == -32001 && reply.body["error"]?["message"] == "invalid credentials")
        }
        #expect(try await daemon.post("/v1/wallets/main/unlock", ["password": Self.password]).status == 429)
        await daemon.stop()
    }

    // §15.10 (the answer and the work; the latency comparison lives in Benchmarks, not a unit test)
    @Test func unknownWalletAndWrongPasswordAnswerAlikeAfterOneKDFEach() async throws {
        let daemon = try await WalletTestDaemon.start()
        try await daemon.create("main")
        let before = daemon.service.gate.completed
        let wrong = try await daemon.post("/v1/wallets/main/unlock", ["password": "Wrong-password-1!"])
        let afterWrong = daemon.service.gate.completed
        let unknown = try await daemon.post("/v1/wallets/nobody/unlock", ["password": "Wrong-password-1!"])
        let afterUnknown = daemon.service.gate.completed
        #expect(wrong.status == 401 && unknown.status == 401 && wrong.body == unknown.body && wrong.body == ["detail": "invalid credentials"])
        #expect(afterWrong - before == 1 && afterUnknown - afterWrong == 1)
        // A too-short password is a wrong password too: one KDF, same answer.
        let short = try await daemon.post("/v1/wallets/main/unlock", ["password": "short"])
        #expect(short.body == wrong.body && daemon.service.gate.completed - afterUnknown == 1)
        await daemon.stop()
    }

    // §15.11 through the daemon: 6 concurrent unlocks, never more than 2 Argon2 runs at once.
    @Test func atMostTwoArgon2ComputationsRunAtOnceAcrossConcurrentUnlocks() async throws {
        let daemon = try await WalletTestDaemon.start { $0.rateLimitRequests = 0 }
        for id in 0..<6 { try await daemon.create("w\(id)") }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for id in 0..<6 { group.addTask { try await daemon.post("/v1/wallets/w\(id)/unlock", ["password": Self.password]).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 6))
        #expect(daemon.service.gate.peakRunning <= 2 && daemon.service.gate.maxConcurrent == 2)
        await daemon.stop()
    }

    // §15.12
    @Test func everyRouteWithoutTheRightTokenIs401() async throws {
        let token = "test-token-0123456789abcdef"
        let daemon = try await WalletTestDaemon.start { $0.token = token }
        let routes: [(String, String)] = [
            ("GET", "/v1/wallets"), ("POST", "/v1/wallets"), ("POST", "/v1/wallets/a/unlock"), ("POST", "/v1/wallets/a/lock"),
            ("POST", "/v1/wallets/a/sign"), ("POST", "/v1/wallets/import-mnemonic"), ("GET", "/v1/wallets/a/accounts"),
            ("POST", "/v1/wallets/a/accounts"), ("GET", "/v1/address/a:imported"), ("GET", "/v1/wallets/a/balance"),
            ("POST", "/v1/wallets/a/send"), ("GET", "/v1/receipts/j"), ("GET", "/v1/receipts/j/history"), ("POST", "/rpc"),
            ("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/nope"),
        ]
        for (method, path) in routes {
            for headers in [HTTPHeaders(), ["X-Auth-Token": "wrong"], ["X-Auth-Token": token + "x"]] {
                let answer = try await daemon.request(method, path, [:], headers: headers)
                #expect(answer.status == 401 && answer.body == ["detail": "unauthorized"], "\(method) \(path)")
            }
        }
        #expect(try await daemon.get("/v1/wallets", headers: ["X-Auth-Token": token]).status == 200)
        await daemon.stop()
    }

    @Test func aNonLoopbackBindWithoutATokenIsRefusedNamingTheSetting() throws {
        let refusal = #expect(throws: ConfigurationError.self) { try WalletConfiguration(reader: .init(environment: ["WALLET_BIND": "0.0.0.0"])) }
        #expect(refusal == .invalid(setting: "WALLET_TOKEN", reason: "required when WALLET_BIND (0.0.0.0) is not a loopback address"))
        let configured = try WalletConfiguration(reader: .init(environment: ["WALLET_BIND": "0.0.0.0", "WALLET_TOKEN": "0123456789abcdef"]))
        #expect(configured.host == "0.0.0.0" && !configured.description.contains("0123456789abcdef"))
        let defaults = try WalletConfiguration(reader: .init())
        #expect(defaults.host == "127.0.0.1" && defaults.port == 8071 && defaults.maxConcurrentUnlocks == 2 && defaults.maxBodyBytes == 65_536)
        #expect(defaults.kdf == .standard && defaults.unlockTTLSeconds == 120 && defaults.ledger == .chain)
        let aliased = try WalletConfiguration(reader: .init(environment: ["LEDGER_DB": "/tmp/x.db", "LEDGER": "offline"]))
        #expect(aliased.ledgerPath == "/tmp/x.db" && aliased.ledger == .offline)
    }

    // §15.13
    @Test func bodiesOver64KiBAre413AndPasswordsOver1024CharactersAre400() async throws {
        let daemon = try await WalletTestDaemon.start()
        try await daemon.create("main")
        let big = Array(#"{"password":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 65_536) + Array(#""}"#.utf8)
        #expect(try await daemon.postRaw("/v1/wallets/main/unlock", big).status == 413)
        #expect(try await daemon.postRaw("/rpc", big).status == 413)
        let long = JSONValue.string(String(repeating: "Aa1!", count: 257))
        let unlock = try await daemon.post("/v1/wallets/main/unlock", ["password": long])
        #expect(unlock.status == 400 && unlock.body == ["detail": "password must be at most 1024 characters"])
        #expect(try await daemon.post("/v1/wallets", ["wallet_id": "x", "password": long]).status == 400)
        await daemon.stop()
    }

    // §15.14
    @Test func jsonRPCParseErrorsInvalidRequestsBatchesAndNotifications() async throws {
        let daemon = try await WalletTestDaemon.start()
        let parse = try await daemon.postRaw("/rpc", Array("{oops".utf8))
        let parsed = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(parse.body)
        #expect(parse.status == 200 && parsed["error"]?["code"] == -32700 && parsed["id"] == .null)
        #expect(try await daemon.post("/rpc", ["method": "wallet.list", "id": 1]).body["error"]?["code"] == -32600)
        #expect(try await daemon.post("/rpc", ["jsonrpc": "2.0", "method": "wallet.list", "params": [1], "id": 2]).body["error"]?["code"] == -32600)
        let batch = try await daemon.post(
            "/rpc",
            [
                ["jsonrpc": "2.0", "method": "wallet.list", "id": 1], ["jsonrpc": "2.0", "method": "wallet.list"],
                ["jsonrpc": "2.0", "method": "nope", "id": "b"], ["jsonrpc": "1.0", "method": "wallet.list", "id": 3],
                ["jsonrpc": "2.0", "method": "wallet.create", "params": ["wallet_id": "x"], "id": 4],
            ])
        let replies = try #require(batch.body.arrayValue)
        #expect(replies.map { $0["id"] } == [1, "b", 3, 4])
        #expect(replies[0]["result"]?["items"] == [] && replies[1]["error"]?["code"] == -32601 && replies[2]["error"]?["code"] == -32600)
        #expect(replies[3]["error"] == ["code": -32602, "message": "wallet_id and password required"])
        // Notifications run but get no reply.
        let notification = try await daemon.post("/rpc", ["jsonrpc": "2.0", "method": "wallet.list"])
        #expect(notification.status == 204)
        #expect(try await daemon.post("/rpc", []).body["error"]?["code"] == -32600)
        // Creation errors are -32602 with the REST message (the reference escaped as 500).
        let weak = try await daemon.post(
            "/rpc", ["jsonrpc": "2.0", "method": "wallet.create", "params": ["wallet_id": "x", "password": "weak"], "id": 9])
        #expect(weak.body["error"] == ["code": -32602, "message": "password must be at least 12 characters"])
        await daemon.stop()
    }

    // 200 concurrent sign requests while another wallet unlocks.
    //
    // The bound: all 200 signatures complete while the unlock is still waiting for the KDF.
    // Both Argon2 slots are held by jobs the test blocks, so the unlock provably cannot finish
    // before the test releases them; signing an unlocked wallet never enters the KDF gate.
    // The order is forced, not measured: this is not a timing test.
    @Test func twoHundredConcurrentSignsFinishWhileAnotherWalletUnlocks() async throws {
        let daemon = try await WalletTestDaemon.start { $0.rateLimitRequests = 0 }
        try await daemon.create("signer")
        try await daemon.create("other")
        #expect(try await daemon.post("/v1/wallets/signer/unlock", ["password": Self.password]).status == 200)
        let gate = daemon.service.gate
        let release = DispatchSemaphore(value: 0)
        let blockers = (0..<2).map { _ in Task { await gate.run { release.wait() } } }
        while gate.running < 2 { try await Task.sleep(for: .milliseconds(5)) }
        let unlock = Task { try await daemon.post("/v1/wallets/other/unlock", ["password": Self.password]).status }
        while gate.queued < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await daemon.post("/v1/wallets/signer/sign", ["message_base64": .string(StrictBase64.encode(Array("m\(index)".utf8)))]).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 })
        #expect(gate.queued == 1)  // the unlock is still waiting
        release.signal()
        release.signal()
        for blocker in blockers { await blocker.value }
        #expect(try await unlock.value == 200)
        await daemon.stop()
    }
}

