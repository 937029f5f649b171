import Cryptography
import Foundation
import Glibc
import HTTP1
import HTTPServer
import JSON
import Logging
import Receipts
import ServiceRuntime
import Synchronization
import Testing
import TestSupport
import Wallet
import WalletCore
import WireModels

/// What a black-box attack on the wallet daemon found (issue 15): each test fails on the daemon
/// as it was before the fix.
@Suite struct WalletAttackFindingsTests {
    static let password = WalletTestDaemon.password

    // Finding 2: attestations are outside the signed payload, so anyone can pad a genuine
    // receipt; entries past the 64 checked used to be dropped and left out of `all_valid`.
    @Test func aReceiptWithMoreAttestationsThanTheLimitIsNotAllValid() throws {
        let coordinator = Ed25519.PrivateKey.generate()
        let rogue = Ed25519.PrivateKey.generate()
        let verifier = WalletReceiptVerifier(trustedKeys: [coordinator.publicKey])
        let unsigned = try Receipt(json: try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(
            #"{"version":"1.0","receipt_id":"rcpt-1","job_id":"job-123","provider":"miner-abc","client":"client-xyz","units":1.0,"unit_type":"gpu_seconds","price":3.5,"started_at":1700000000,"completed_at":1700000005,"metadata":{}}"#))
        let limit = WalletReceiptVerifier.maxAttestations
        let genuine = try ReceiptSigner(key: coordinator, attestationKeys: Array(repeating: coordinator, count: limit)).sign(unsigned)
        let atLimit = verifier.verify(genuine, jobID: "job-123")
        #expect(atLimit.allValid && atLimit.coordinatorAttestations.count == limit)
        let padded = try ReceiptSigner(key: coordinator, attestationKeys: Array(repeating: coordinator, count: limit) + [rogue]).sign(unsigned)
        let verdict = verifier.verify(padded, jobID: "job-123")
        #expect(!verdict.allValid)
        #expect(verdict.coordinatorAttestations.count == limit + 1)
        #expect(verdict.coordinatorAttestations.last?.reason == "too_many_attestations")
    }

    /// `path` in `value` set to `new` (removed when nil; added when missing).
    static func edit(_ value: JSONValue, _ path: ArraySlice<String>, _ new: JSONValue?) -> JSONValue {
        guard let key = path.first, case .object(var members) = value else { return new ?? value }
        if let index = members.firstIndex(where: { $0.key == key }) {
            if path.count > 1 {
                members[index] = JSONMember(key: key, value: edit(members[index].value, path.dropFirst(), new))
            } else if let new {
                members[index] = JSONMember(key: key, value: new)
            } else {
                members.remove(at: index)
            }
        } else if let new, path.count == 1 {
            members.append(JSONMember(key: key, value: new))
        }
        return .object(members)
    }

    static func overwrite(_ path: String, _ bytes: [UInt8]) throws {
        // Non-atomic: the file keeps its inode and its 0600 mode.
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func serialize(_ value: JSONValue) throws -> [UInt8] { try JSONSerializer().serialize(value) }

    // Finding 3 (§15.5): a keystore file whose header was edited, or that is truncated, empty or
    // not JSON, answers unlock 401 `invalid credentials` like a wrong password (the cause in the
    // log), and the password-less routes a 503 naming the problem; never 500.
    @Test func anEditedOrBrokenKeystoreFileAnswersUnlock401AndNever500() async throws {
        let daemon = try await WalletTestDaemon.start()
        let keystore = daemon.directory.path("keystore")
        try await daemon.create("template")
        let original = try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(
            Array(try Data(contentsOf: URL(fileURLWithPath: "\(keystore)/template.kdb"))))
        let edits: [(String, (String) throws -> [UInt8])] = [
            ("wallet_id", { _ in try Self.serialize(Self.edit(original, ["wallet_id"], "other")) }),
            ("kind", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["kind"], "hd")) }),
            ("curve", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["curve"], "secp256k1")) }),
            ("kdf.dklen", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["kdf", "dklen"], 64)) }),
            ("kdf.v", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["kdf", "v"], 16)) }),
            ("kdf.name", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["kdf", "name"], "argon2i")) }),
            ("kdf.m_kib", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["kdf", "m_kib"], 1)) }),
            ("kdf.t", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["kdf", "t"], 4_000_000_000)) }),
            ("kdf.salt", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["kdf", "salt"], "AAAA")) }),
            ("cipher.name", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["cipher", "name"], "aes")) }),
            ("magic", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["magic"], "aitbc-kdx")) }),
            ("version", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["version"], 2)) }),
            ("extra field", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["extra"], 1)) }),
            ("duplicate key", { id in Array(#"{"version":1,"#.utf8) + (try Self.serialize(Self.edit(original, ["wallet_id"], .string(id)))).dropFirst() }),
            ("empty ciphertext", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["ciphertext"], "")) }),
            ("truncated ciphertext", { id in try Self.serialize(Self.edit(Self.edit(original, ["wallet_id"], .string(id)), ["ciphertext"], "AAAA")) }),
            ("not JSON", { _ in Array("not json at all".utf8) }),
            ("empty file", { _ in [] }),
        ]
        for (index, (what, bytes)) in edits.enumerated() {
            let id = "broken\(index)"
            try await daemon.create(id)
            try Self.overwrite("\(keystore)/\(id).kdb", try bytes(id))
            let unlock = try await daemon.post("/v1/wallets/\(id)/unlock", ["password": .string(Self.password)])
            #expect(unlock.status == 401 && unlock.body == ["detail": "invalid credentials"], "\(what): \(unlock.status) \(unlock.body)")
            let signed = try await daemon.post("/v1/wallets/\(id)/sign", ["message_base64": "aGk=", "password": .string(Self.password)])
            #expect(signed.status == 401, "\(what): \(signed.status) \(signed.body)")
            let accounts = try await daemon.get("/v1/wallets/\(id)/accounts")
            #expect(accounts.status == 503 && accounts.body["code"] == "KEYSTORE_INVALID", "\(what): \(accounts.status) \(accounts.body)")
        }
        #expect(daemon.logs.all.contains { $0.contains("keystore file unreadable") && $0.contains("broken0") })
        #expect(!daemon.logs.all.contains { $0.contains(Self.password) })
        // The list still answers, and the intact wallet still unlocks.
        #expect(try await daemon.get("/v1/wallets").status == 200)
        #expect(try await daemon.post("/v1/wallets/template/unlock", ["password": .string(Self.password)]).status == 200)
        await daemon.stop()
    }

    // Finding 4: a FIFO at a keystore path used to block unlock, and with it the keystore I/O
    // queue every other wallet operation waits on.
    @Test func aFIFOInTheKeystoreIsRefusedAndOtherWalletsKeepWorking() async throws {
        let daemon = try await WalletTestDaemon.start()
        #expect(mkfifo(daemon.directory.path("keystore/w1.kdb"), 0o600) == 0)
        let unlock = try await daemon.post("/v1/wallets/w1/unlock", ["password": .string(Self.password)])
        #expect(unlock.status == 503 && unlock.body["code"] == "KEYSTORE_PERMISSIONS", "\(unlock.body)")
        try await daemon.create("w2")
        #expect(try await daemon.post("/v1/wallets/w2/unlock", ["password": .string(Self.password)]).status == 200)
        await daemon.stop()
    }

    // Finding 5: a .kdb file given another wallet's `public_key` (no password checks it) made
    // the list and the balance show that wallet's key and address.
    @Test func theListAndBalanceShowTheLedgersKeyNotASwappedFilesKey() async throws {
        let daemon = try await WalletTestDaemon.start()
        let first = try await daemon.create("w1")
        let second = try await daemon.create("w2")
        let key = try #require(first["wallet"]?["public_key"]?.stringValue)
        let address = try #require(first["wallet"]?["address"]?.stringValue)
        let otherKey = try #require(second["wallet"]?["public_key"]?.stringValue)
        let file = daemon.directory.path("keystore/w1.kdb")
        let record = try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        try Self.overwrite(file, try Self.serialize(Self.edit(record, ["public_key"], .string(otherKey))))
        let list = try await daemon.get("/v1/wallets")
        let listed = try #require(list.body["items"]?.arrayValue?.first { $0["wallet_id"] == "w1" })
        #expect(listed["public_key"]?.stringValue == key && listed["address"]?.stringValue == address, "\(listed)")
        let balance = try await daemon.get("/v1/wallets/w1/balance")
        #expect(balance.status == 200 && balance.body["address"]?.stringValue == address, "\(balance.body)")
        #expect(daemon.logs.all.contains { $0.contains("keystore public_key differs from the ledger's") })
        // The swapped file does not open either: the key is in the authenticated header.
        #expect(try await daemon.post("/v1/wallets/w1/unlock", ["password": .string(Self.password)]).status == 401)
        await daemon.stop()
    }

    /// Pages the scripted coordinator served.
    final class PageCount: Sendable {
        let count = Mutex(0)
    }

    /// A coordinator on loopback whose receipt routes answer what `latest` and `page` return
    /// for the job id.
    struct ScriptedCoordinator {
        let server: HTTPServer

        init(latest: @escaping @Sendable (String) -> JSONValue, page: @escaping @Sendable (String) -> JSONValue) async throws {
            let router = Router()
            router.get("/v1/jobs/{id}/receipt") { _, context in .json(latest(context.parameters["id"] ?? "")) }
            router.get("/v1/jobs/{id}/receipts") { _, context in .json(page(context.parameters["id"] ?? "")) }
            server = HTTPServer(
                configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), router: router, logger: Logger(label: "scripted-coordinator"))
            try await server.start()
        }

        var baseURL: String { "http://127.0.0.1:\(server.port ?? 0)" }
    }

    // Finding 8 and 11: a cursor that repeats is refused after two pages (it was followed up to
    // 1000 receipts); a bare-list page (§12 allows it) is read; a receipt of another job or a
    // body that is no receipt is "invalid", not "unavailable".
    @Test func receiptHistoryRefusesARepeatingCursorAndReadsABareList() async throws {
        let looping = String(repeating: "aa", count: 16)
        let bare = String(repeating: "bb", count: 16)
        let pages = PageCount()
        let coordinator = try await ScriptedCoordinator(
            latest: { id in id == looping ? ["receipt_id": "r1", "job_id": "another-job"] : .array([1]) },
            page: { id in
                let receipt: JSONValue = ["receipt_id": "r1", "job_id": .string(id)]
                if id == bare { return .array([receipt, receipt]) }
                pages.count.withLock { $0 += 1 }
                return ["items": .array([receipt]), "next_cursor": "same"]
            })
        let daemon = try await WalletTestDaemon.start(receipts: CoordinatorReceiptSource(baseURL: coordinator.baseURL, apiKey: "k", maxRetries: 0))
        let history = try await daemon.get("/v1/receipts/\(looping)/history")
        #expect(history.status == 502 && history.body["detail"]?.stringValue?.contains("next_cursor repeats") == true, "\(history.body)")
        #expect(pages.count.withLock { $0 } == 2)
        let list = try await daemon.get("/v1/receipts/\(bare)/history")
        #expect(list.status == 200 && list.body["items"]?.arrayValue?.count == 2, "\(list.status) \(list.body)")
        for job in [looping, bare] {
            let latest = try await daemon.get("/v1/receipts/\(job)")
            #expect(latest.status == 502 && latest.body["detail"] == "coordinator sent an invalid receipt", "\(latest.body)")
        }
        await daemon.stop()
        await coordinator.server.shutdown(deadline: .seconds(1))
    }

    // Finding 10: a token no client can send (blank, CR/LF, leading or trailing space) was
    // accepted at start, and then every request was refused.
    @Test func aTokenNoClientCanSendIsRefusedAtStart() throws {
        for token in [String(repeating: " ", count: 20), "0123456789abcdef\r\n", " 0123456789abcdef", "0123456789abcdef ", "0123456789\tabcdef"] {
            #expect(throws: ConfigurationError.self, "\(token.debugDescription)") {
                try WalletConfiguration(reader: .init(environment: ["WALLET_TOKEN": token]))
            }
            do {
                _ = try WalletConfiguration(reader: .init(environment: ["WALLET_TOKEN": token]))
            } catch {
                #expect("\(error)".contains("WALLET_TOKEN"))
            }
        }
        #expect(try WalletConfiguration(reader: .init(environment: ["WALLET_TOKEN": "0123456789 abcdef"])).token == "0123456789 abcdef")
    }

    // Finding 11: two X-Auth-Token headers are refused rather than the first one deciding.
    @Test func twoAuthTokenHeadersAreRefused() async throws {
        let token = "0123456789abcdef0123"
        let daemon = try await WalletTestDaemon.start { $0.token = token }
        #expect(try await daemon.get("/v1/wallets", headers: HTTPHeaders([("X-Auth-Token", token)])).status == 200)
        let twice = try await daemon.get("/v1/wallets", headers: HTTPHeaders([("X-Auth-Token", token), ("X-Auth-Token", "wrong-token-000000")]))
        #expect(twice.status == 401 && twice.body == ["detail": "unauthorized"])
        await daemon.stop()
    }
}
