import ChainNodeTestSupport
import Cryptography
import Foundation
import HTTP1
import Ledger
import WireModels
import HTTPServer
import JSON
import Logging
import SQLite
import ServiceRuntime
import Testing
import TestSupport
import Wallet
import WalletCore

/// What a new operator running only from the docs ran into (the wallet new-user review): each
/// test fails on the daemon as it was before the fix.
@Suite struct WalletOperatorFindingsTests {
    static let password = WalletTestDaemon.password

    // Finding 5/6: one bucket per action (spec §10 keys `<action>:<host>[:<wallet>]`), and
    // every 429 carries `code`, on the reference's routes too.
    @Test func eachLimitedActionHasItsOwnBucketAndEvery429CarriesItsCode() async throws {
        let daemon = try await WalletTestDaemon.start { $0.rateLimitRequests = 2 }
        let created = try await daemon.create("main", kind: "hd")
        let address = try #require(created["wallet"]?["address"]?.stringValue)
        let requests: [(String, JSONValue)] = [
            ("/v1/wallets/main/sign", ["message_base64": "aGk="]),
            ("/v1/wallets/main/accounts", ["path": "m/44'/12345'/0'/0'/1'"]),
            ("/v1/wallets/main/send", ["to": .string(address), "amount": "1"]),
            ("/v1/wallets/main/unlock", ["password": "Wrong-horse-9!"]),
        ]
        for (path, body) in requests {
            // Locked or wrong: refused, and counted all the same.
            for _ in 0..<2 { #expect(try await daemon.post(path, body).status == 401, "\(path)") }
            let limited = try await daemon.post(path, body)
            #expect(limited.status == 429, "\(path): an earlier action's requests must not fill this bucket")
            #expect(limited.body["detail"] == "rate limit exceeded" && limited.body["code"] == "RATE_LIMIT", "\(path): \(limited.body)")
            #expect(limited.headers["Retry-After"] != nil)
        }
        await daemon.stop()
    }

    // Finding 3: a loose keystore file is refused at start naming it, and one loosened while
    // running is a 503 naming the problem, never a 500 or a wallet missing from the list.
    @Test func aLooseKeystoreFileIsRefusedAtStartAndNeverA500() async throws {
        let daemon = try await WalletTestDaemon.start()
        try await daemon.create("main")
        let file = daemon.directory.path("keystore/main.kdb")
        #expect(chmod(file, 0o644) == 0)
        let list = try await daemon.get("/v1/wallets")
        #expect(list.status == 503 && list.body["code"] == "KEYSTORE_PERMISSIONS", "\(list.body)")
        #expect(list.body["detail"]?.stringValue?.contains(file) == true)
        let unlock = try await daemon.post("/v1/wallets/main/unlock", ["password": .string(Self.password)])
        #expect(unlock.status == 503 && unlock.body["detail"]?.stringValue?.contains("mode 644") == true, "\(unlock.body)")
        await daemon.stop()

        let configuration = try WalletTestDaemon.configuration(daemon.directory)
        do {
            _ = try await WalletDaemonService.open(configuration: configuration, logger: Logger(label: "test"))
            Issue.record("a daemon started on a keystore with a 0644 file")
        } catch let error as WalletCoreError {
            #expect(error == .insecurePermissions(path: file, reason: "mode 644 gives group or others access (use 0600)"))
        }
    }

    // Finding 26: `lock` of an unknown wallet is 404 like `balance`; the wrong-password log
    // line names the operation, not the event.
    @Test func lockingAnUnknownWalletIs404AndAWrongPasswordLogsTheOperation() async throws {
        let daemon = try await WalletTestDaemon.start()
        try await daemon.create("main")
        let ghost = try await daemon.post("/v1/wallets/ghost/lock", [:])
        #expect(ghost.status == 404 && ghost.body["code"] == "NOT_FOUND")
        #expect(try await daemon.post("/v1/wallets/main/lock", [:]).status == 200)
        _ = try await daemon.post("/v1/wallets/main/unlock", ["password": "Wrong-horse-9!"])
        let line = daemon.logs.all.first { $0.contains("wrong password") }
        #expect(line?.contains("operation=unlock ") == true || line?.hasSuffix("operation=unlock") == true, "\(line ?? "none")")
        // The start-up line says whether a token is needed under a key the JSON log does not redact.
        #expect(daemon.logs.all.contains { $0.contains("listening") && $0.contains("auth=none") })
        #expect(!JSONLogHandler.isSecretKey("auth"))
        await daemon.stop()
    }

    // Finding 15: a history limit out of 1…500 is refused, not read as 1 or 50.
    @Test(arguments: ["0", "-1", "501", "abc"])
    func aHistoryLimitOutOfRangeIs400(limit: String) async throws {
        let daemon = try await WalletTestDaemon.start()
        try await daemon.create("main")
        let answer = try await daemon.get("/v1/wallets/main/transactions?limit=\(limit)")
        #expect(answer.status == 400 && answer.body["code"] == "INVALID_LIMIT", "\(answer.body)")
        #expect(try await daemon.get("/v1/wallets/main/transactions?limit=500").status == 200)
        await daemon.stop()
    }

    // Finding 21: the ledger (wallet ids, labels, transfers) is 0600 whatever the umask.
    @Test func theLedgerFileIsPrivate() async throws {
        let directory = try TemporaryDirectory(prefix: "wallet-ledger-mode")
        let path = directory.path("fresh/ledger.db")
        let ledger = try await WalletLedger.open(path: path)
        try await ledger.upsertWallet("main", publicKey: "00", metadata: [:])
        for file in [path, directory.path("fresh")] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode.map { $0 & 0o077 } == 0, "\(file): \(String(mode ?? 0, radix: 8))")
        }
        // An existing loose file loses its group/other bits.
        let loose = directory.path("loose.db")
        #expect(FileManager.default.createFile(atPath: loose, contents: nil, attributes: [.posixPermissions: 0o644]))
        _ = try await WalletLedger.open(path: loose)
        #expect(try FileManager.default.attributesOfItem(atPath: loose)[.posixPermissions] as? Int == 0o600)
    }

    // The RSS bound after a signing load: every ledger connection keeps at most LEDGER_CACHE_KIB of
    // pages (SQLite's default 2,000 KiB each held the daemon over 20 MB once the audit rows grew).
    @Test func theLedgerCacheIsBoundedOnEveryConnection() async throws {
        let directory = try TemporaryDirectory(prefix: "wallet-ledger-cache")
        let defaults = try WalletConfiguration(reader: .init())
        #expect(defaults.ledgerCacheKiB == 256)
        let ledger = try await WalletLedger.open(path: directory.path("ledger.db"), cacheKiB: defaults.ledgerCacheKiB)
        let writer = try await ledger.database.writeWithoutTransaction { db in try db.queryOne("PRAGMA cache_size")?.get(0, as: Int.self) }
        let reader = try await ledger.database.readNow { db in try db.queryOne("PRAGMA cache_size")?.get(0, as: Int.self) }
        #expect(writer == -256 && reader == -256)
        #expect(try WalletConfiguration(reader: .init(environment: ["LEDGER_CACHE_KIB": "1024"])).ledgerCacheKiB == 1_024)
        for refused in ["63", "65537", "lots"] {
            #expect(throws: ConfigurationError.self) { try WalletConfiguration(reader: .init(environment: ["LEDGER_CACHE_KIB": refused])) }
        }
    }

    // Finding 22: a ledger path that cannot be made names LEDGER_DB_PATH and the call that failed.
    @Test func aBadLedgerPathNamesTheSetting() async throws {
        do {
            _ = try await WalletLedger.open(path: "/proc/nope/x.db")
            Issue.record("opened a ledger under /proc")
        } catch {
            #expect(error.description.hasPrefix("cannot open the ledger /proc/nope/x.db (LEDGER_DB_PATH): "), "\(error)")
            #expect(!error.description.contains("NSCocoaErrorDomain"))
        }
    }

    // Finding 16 and 7: two ledger settings naming different files are refused; a pinned
    // receipt key may be the key_id or the same key in hex.
    @Test func ambiguousLedgerSettingsAreRefusedAndReceiptKeysMayBeHex() throws {
        #expect(throws: ConfigurationError.self) {
            try WalletConfiguration(reader: ConfigurationReader(environment: ["LEDGER_DB_PATH": "a.db", "LEDGER_DB": "b.db"]))
        }
        let same = try WalletConfiguration(reader: ConfigurationReader(environment: ["LEDGER_DB_PATH": "a.db", "LEDGER_DB": "a.db"]))
        #expect(same.ledgerPath == "a.db")
        let keyID = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        let hex = try Base64URL.decode(keyID).map { String(format: "%02x", $0) }.joined()
        let keys = try WalletConfiguration(reader: ConfigurationReader(environment: ["TRUSTED_RECEIPT_KEYS": "\(keyID), \(hex)"])).trustedReceiptKeys
        #expect(keys.count == 2 && keys[0] == keys[1])
        do {
            _ = try WalletConfiguration(reader: ConfigurationReader(environment: ["TRUSTED_RECEIPT_KEYS": "nope"]))
            Issue.record("accepted a key that is none")
        } catch {
            #expect("\(error)".contains("key_id") && "\(error)".contains("hex"))
        }
    }

    // Finding 23: a chain node that cannot be reached is named with its setting.
    @Test func anUnreachableChainNodeNamesCHAIN_RPC_URL() async throws {
        let daemon = try await WalletTestDaemon.start {
            $0.ledger = .chain
            $0.chainRPCURL = "http://127.0.0.1:9"
        }
        try await daemon.create("main")
        let balance = try await daemon.get("/v1/wallets/main/balance")
        #expect(balance.status == 502 && balance.body["code"] == "CHAIN_UNAVAILABLE")
        #expect(balance.body["detail"]?.stringValue?.hasSuffix("(CHAIN_RPC_URL=http://127.0.0.1:9)") == true, "\(balance.body)")
        await daemon.stop()
    }

    // Finding 16: a CHAIN_ID that is not the node's is refused at the first send, and the
    // answer names the setting to fix.
    @Test func aWrongChainIDNamesTheSetting() async throws {
        let key = try testKey(9)
        let node = try await ChainTestNode.start(accounts: [Address(publicKey: key.publicKey): 1_000_000])
        let daemon = try await WalletTestDaemon.start {
            $0.ledger = .chain
            $0.chainRPCURL = node.baseURL
            $0.chainID = "not-this-chain"
        }
        let seed = key.seed.withUnsafeBytes { StrictBase64.encode(Array($0)) }
        let created = try await daemon.post(
            "/v1/wallets", ["wallet_id": "main", "password": .string(Self.password), "secret_key": .string(seed)])
        #expect(created.status == 201)
        let sent = try await daemon.post(
            "/v1/wallets/main/send", ["to": .string(Address(publicKey: try testKey(10).publicKey).rawValue), "amount": "5", "password": .string(Self.password)])
        #expect(sent.status == 400 && sent.body["code"] == "WRONG_CHAIN", "\(sent.body)")
        #expect(sent.body["detail"]?.stringValue?.hasSuffix("(this daemon signs for CHAIN_ID=not-this-chain)") == true, "\(sent.body)")
        await daemon.stop()
        await node.stop()
    }

    // Finding 8: a coordinator that refuses COORDINATOR_API_KEY (an admin key) is told apart
    // from one that is down, and the daemon logs it.
    @Test func aRefusedCoordinatorKeyIsNamedAndLogged() async throws {
        let router = Router()
        router.get("/v1/jobs/{id}/receipt") { _, _ in throw HTTPError(.unauthorized, code: "UNAUTHORIZED_KEY") }
        let coordinator = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), router: router, logger: Logger(label: "fake-coordinator"))
        try await coordinator.start()
        let daemon = try await WalletTestDaemon.start(
            receipts: CoordinatorReceiptSource(baseURL: "http://127.0.0.1:\(coordinator.port ?? 0)", apiKey: "admin-key", maxRetries: 0))
        let answer = try await daemon.get("/v1/receipts/\(String(repeating: "ab", count: 16))")
        #expect(answer.status == 502 && answer.body["detail"]?.stringValue?.contains("refused COORDINATOR_API_KEY (HTTP 401)") == true, "\(answer.body)")
        #expect(daemon.logs.all.contains { $0.contains("coordinator failure") && $0.contains("COORDINATOR_AUTH") })
        await daemon.stop()
        await coordinator.shutdown(deadline: .seconds(1))
    }
}
