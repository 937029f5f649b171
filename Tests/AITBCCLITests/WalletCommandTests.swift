import Foundation
import HTTP1
import HTTPServer
import JSON
import Synchronization
import TestSupport
import Testing

/// The `aitbc wallet` binary against a scripted wallet daemon in the test process: what it
/// sends, what it prints, its exit statuses, and that no secret reaches its output. Every run
/// names a password source, so no test ever waits on a terminal prompt.
@Suite struct WalletCommandTests {
    static let password = "Correct-Horse-9-battery"
    static let token = "wallet-token-0123456789"
    static let address = "ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq"
    static let publicKey = String(repeating: "ab", count: 32)
    static let mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

    /// What the daemon received: method, target (path and query), headers, body.
    final class Received: Sendable {
        struct Request: Sendable {
            var method: HTTPMethod
            var target: String
            var headers: HTTPHeaders
            var body: [UInt8]

            var json: JSONValue { (try? JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(body)) ?? .null }
        }

        let list = Mutex<[Request]>([])
        var all: [Request] { list.withLock { $0 } }
    }

    /// Serves `answer(method, path)` on 127.0.0.1 for the duration of `body`.
    static func daemon(
        _ answer: @escaping @Sendable (HTTPMethod, String) -> Response, _ body: (String, Received) async throws -> Void
    ) async throws {
        let received = Received()
        let router = Router()
        let handler: HTTPHandler = { request, _ in
            received.list.withLock {
                $0.append(.init(method: request.method, target: request.head.target, headers: request.headers, body: request.body))
            }
            return answer(request.method, String(request.path))
        }
        for method in [HTTPMethod.get, .post] { router.add(method: method, path: "/**", handler: handler) }
        try await serving(router, configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopThreads: 1)) { _, port in
            try await body("http://127.0.0.1:\(port)", received)
        }
    }

    static func json(_ status: HTTPResponseStatus, _ text: String) -> Response {
        Response(status: status, headers: ["Content-Type": "application/json"], body: .bytes(Array(text.utf8)))
    }

    static let wallet = #"{"wallet_id":"main","public_key":"\#(publicKey)","metadata":{},"kind":"hd","address":"\#(address)"}"#

    /// A daemon that answers every documented route successfully.
    static func answering(ledger: String = "chain") -> @Sendable (HTTPMethod, String) -> Response {
        { method, path in
            switch (method, path) {
            case (.get, "/v1/wallets"): return json(.ok, #"{"items":[\#(wallet)]}"#)
            case (.post, "/v1/wallets"): return json(.created, #"{"wallet":\#(wallet),"mnemonic":"\#(mnemonic)"}"#)
            case (.post, "/v1/wallets/import-mnemonic"): return json(.created, #"{"wallet":\#(wallet)}"#)
            case (.post, "/v1/wallets/main/unlock"): return json(.ok, #"{"wallet_id":"main","unlocked":true,"expires_at":"2030-01-01T00:02:00Z"}"#)
            case (.post, "/v1/wallets/main/lock"): return json(.ok, #"{"wallet_id":"main","unlocked":false}"#)
            case (.post, "/v1/wallets/main/sign"):
                return json(.ok, #"{"wallet_id":"main","signature_base64":"c2lnbmF0dXJl","public_key":"\#(publicKey)","domain":"message"}"#)
            case (.get, "/v1/wallets/main/balance"):
                let nonce = ledger == "chain" ? #","nonce":3,"next_nonce":5"# : ""
                return json(.ok, #"{"account_id":"main:0:0:0","address":"\#(address)","balance":"1000"\#(nonce),"pending":1,"ledger":"\#(ledger)"}"#)
            case (.post, "/v1/wallets/main/send"):
                return json(
                    .accepted,
                    #"{"tx_hash":"0x\#(String(repeating: "1", count: 64))","from":"\#(address)","to":"\#(address)","amount":"5","fee":70,"nonce":5,"status":"pending","created_at":"2030-01-01T00:00:00.000Z","ledger":"\#(ledger)"}"#)
            case (.get, "/v1/wallets/main/transactions"):
                return json(
                    .ok,
                    #"{"items":[{"tx_hash":"0x\#(String(repeating: "2", count: 64))","from":"\#(address)","to":"\#(address)","amount":"5","fee":70,"nonce":5,"status":"included","block_height":12,"created_at":"2030-01-01T00:00:00.000Z","ledger":"\#(ledger)"}]}"#)
            case (.get, "/v1/wallets/main/accounts"):
                return json(.ok, #"{"items":[{"account_id":"main:0:0:0","wallet_id":"main","curve":"ed25519","path":"m/44'/12345'/0'/0'/0'","public_key":"\#(publicKey)","address":"\#(address)","tags":[]}]}"#)
            default: return json(.notFound, #"{"detail":"not found","code":"NOT_FOUND"}"#)
            }
        }
    }

    /// `aitbc wallet …` against `url`; fails the test when the password, token or mnemonic
    /// shows up in its output.
    static func run(_ arguments: [String], url: String, environment: [String: String] = [:], stdin: String? = nil) async throws -> CLIFixtures.Run {
        let run = try await CLIFixtures.runAsync(["wallet"] + arguments + ["--url", url], environment: environment, stdin: stdin.map { Array($0.utf8) })
        for secret in [password, token] {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "a secret was printed by aitbc wallet \(arguments)")
        }
        return run
    }

    static func privateFile(_ text: String, in directory: TemporaryDirectory, name: String, mode: Int = 0o600) throws -> String {
        let path = directory.path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func createFromStdinSendsThePasswordInTheBodyOnlyAndPrintsTheMnemonicOnce() async throws {
        try await Self.daemon(Self.answering()) { url, received in
            let run = try await Self.run(["create", "main", "--hd", "--words", "12", "--password-stdin"], url: url, stdin: Self.password + "\n")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains(Self.address))
            #expect(run.stdout.components(separatedBy: Self.mnemonic).count == 2)
            #expect(run.stderr.contains("write the mnemonic down"))
            let request = try #require(received.all.first)
            #expect(request.target == "/v1/wallets")
            #expect(request.json["password"]?.stringValue == Self.password)
            #expect(request.json["kind"]?.stringValue == "hd")
            #expect(request.json["mnemonic_words"]?.int64Value == 12)
            #expect(!request.target.contains(Self.password) && request.headers.allSatisfy { !$0.value.contains(Self.password) })
        }
    }

    @Test func unlockReadsAPrivatePasswordFileAndRefusesALooseOneBeforeSendingAnything() async throws {
        let directory = try TemporaryDirectory(prefix: "wallet-cli")
        let file = try Self.privateFile(Self.password + "\n", in: directory, name: "password")
        let loose = try Self.privateFile(Self.password, in: directory, name: "loose", mode: 0o640)
        try await Self.daemon(Self.answering()) { url, received in
            let run = try await Self.run(["unlock", "main", "--ttl", "120", "--password-file", file, "--json"], url: url)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try CLIFixtures.json(run)["unlocked"] == .bool(true))
            #expect(received.all.first?.json["password"]?.stringValue == Self.password)
            #expect(received.all.first?.json["ttl_seconds"]?.int64Value == 120)

            let refused = try await Self.run(["unlock", "main", "--password-file", loose], url: url)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("chmod 600"))
            #expect(received.all.count == 1)
        }
    }

    @Test func theTokenFileIsSentAsXAuthTokenAndARefusedTokenIsExitThree() async throws {
        let directory = try TemporaryDirectory(prefix: "wallet-cli")
        let tokenFile = try Self.privateFile(Self.token + "\n", in: directory, name: "token")
        try await Self.daemon({ _, _ in Self.json(.unauthorized, #"{"detail":"unauthorized"}"#) }) { url, received in
            let run = try await Self.run(["list", "--token-file", tokenFile], url: url)
            #expect(run.status == 3)
            #expect(run.stderr.contains("refused the token"))
            #expect(received.all.first?.headers["X-Auth-Token"] == Self.token)
            let fromEnvironment = try await Self.run(["lock", "main"], url: url, environment: ["AITBC_WALLET_TOKEN": Self.token])
            #expect(fromEnvironment.status == 3)
            #expect(received.all.last?.headers["X-Auth-Token"] == Self.token)
        }
    }

    @Test func exitStatusesFollowTheDaemonsAnswers() async throws {
        try await Self.daemon({ _, path in
            switch path {
            case "/v1/wallets/main/unlock": Self.json(.unauthorized, #"{"detail":"invalid credentials"}"#)
            case "/v1/wallets/main/sign": Self.json(.unauthorized, #"{"detail":"wallet is locked","code":"WALLET_LOCKED"}"#)
            case "/v1/wallets/main/send": Self.json(.badRequest, #"{"detail":"insufficient funds: balance 1 cannot cover 75","code":"INSUFFICIENT_FUNDS"}"#)
            case "/v1/wallets/main/balance": Self.json(.init(code: 502), #"{"detail":"chain node unavailable","code":"CHAIN_UNAVAILABLE"}"#)
            default: Self.json(.tooManyRequests, #"{"detail":"rate limit exceeded","code":"RATE_LIMIT"}"#)
            }
        }) { url, _ in
            let unlock = try await Self.run(["unlock", "main", "--password-stdin"], url: url, stdin: "wrong-password-1\n")
            #expect(unlock.status == 3)
            #expect(unlock.stderr.contains("invalid credentials"))
            let sign = try await Self.run(["sign", "main", "--message", "hello"], url: url)
            #expect(sign.status == 3)
            #expect(sign.stderr.contains("WALLET_LOCKED"))
            let send = try await Self.run(["send", "main", "--to", Self.address, "--amount", "5"], url: url)
            #expect(send.status == 1)
            #expect(send.stderr.contains("INSUFFICIENT_FUNDS"))
            let balance = try await Self.run(["balance", "main"], url: url)
            #expect(balance.status == 4)
            let limited = try await Self.run(["lock", "main"], url: url)
            #expect(limited.status == 1)
            #expect(limited.stderr.contains("RATE_LIMIT"))
        }
        let away = try await Self.run(["list"], url: "http://127.0.0.1:1")
        #expect(away.status == 4)
        #expect(away.stderr.contains("cannot reach the wallet daemon"))
    }

    @Test func sendSignBalanceAndAddressPrintTheDaemonsAnswer() async throws {
        try await Self.daemon(Self.answering()) { url, received in
            let send = try await Self.run(["send", "main", "--to", Self.address, "--amount", "5", "--fee", "70"], url: url)
            #expect(send.status == 0, "\(send.stderr)")
            #expect(send.stdout.contains("pending") && send.stdout.contains("0x" + String(repeating: "1", count: 64)))
            let sent = try #require(received.all.last)
            #expect(sent.json["amount"]?.stringValue == "5")
            #expect(sent.json["fee"]?.int64Value == 70)
            #expect(sent.json["password"] == nil)

            let sign = try await Self.run(["sign", "main", "--message", "hello", "--json"], url: url)
            #expect(sign.status == 0, "\(sign.stderr)")
            #expect(try CLIFixtures.json(sign)["domain"]?.stringValue == "message")
            #expect(received.all.last?.json["message_base64"]?.stringValue == "aGVsbG8=")

            let balance = try await Self.run(["balance", "main", "--account", "main:0:0:0"], url: url)
            #expect(balance.status == 0)
            #expect(balance.stdout.contains("1000") && balance.stdout.contains("chain"))
            #expect(!balance.stderr.contains("offline"))
            #expect(received.all.last?.target == "/v1/wallets/main/balance?account_id=main%3A0%3A0%3A0")

            let accounts = try await Self.run(["address", "main"], url: url)
            #expect(accounts.status == 0)
            #expect(accounts.stdout.contains("main:0:0:0") && accounts.stdout.contains(Self.address))
            let list = try await Self.run(["list"], url: url)
            #expect(list.stdout.contains("WALLET_ID") && list.stdout.contains("main"))
        }
    }

    /// A send can be followed to its block from the CLI (new-user finding 15).
    @Test func transactionsListsTheSentTransfersWithTheirStatus() async throws {
        try await Self.daemon(Self.answering()) { url, received in
            let run = try await Self.run(["transactions", "main", "--limit", "5"], url: url)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("TX_HASH") && run.stdout.contains("BLOCK_HEIGHT"))
            #expect(run.stdout.contains("included") && run.stdout.contains("12"))
            #expect(received.all.last?.target == "/v1/wallets/main/transactions?limit=5")
        }
    }

    @Test func offlineAnswersAreLabelledOffline() async throws {
        try await Self.daemon(Self.answering(ledger: "offline")) { url, _ in
            let balance = try await Self.run(["balance", "main"], url: url)
            #expect(balance.status == 0)
            #expect(balance.stdout.contains("offline"))
            #expect(balance.stderr.contains("offline ledger (LEDGER=offline)"))
            let send = try await Self.run(["send", "main", "--to", Self.address, "--amount", "0.25", "--memo", "tea"], url: url)
            #expect(send.status == 0)
            #expect(send.stderr.contains("nothing moved on any chain"))
        }
    }

    @Test func restoreTakesTheMnemonicFromAFileAndThePasswordFromStdin() async throws {
        let directory = try TemporaryDirectory(prefix: "wallet-cli")
        let words = try Self.privateFile(Self.mnemonic + "\n", in: directory, name: "words")
        try await Self.daemon(Self.answering()) { url, received in
            let run = try await Self.run(["restore", "main", "--mnemonic-file", words, "--password-stdin"], url: url, stdin: Self.password + "\n")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!run.stdout.contains("abandon"))
            let request = try #require(received.all.first)
            #expect(request.target == "/v1/wallets/import-mnemonic")
            #expect(request.json["mnemonic"]?.stringValue == Self.mnemonic)
            #expect(request.json["password"]?.stringValue == Self.password)
            #expect(request.json["passphrase"] == nil)
        }
    }

    @Test func verifyReceiptExitsOneUnlessEverySignatureIsValidAndTrusted() async throws {
        let signature: @Sendable (Bool) -> String = { trusted in #"{"key_id":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"Ed25519","valid":true,"trusted":\#(trusted),"reason":\#(trusted ? "null" : "\"key not pinned\"")}"# }
        try await Self.daemon({ _, path in
            let trusted = path.hasSuffix("/good")
            return Self.json(
                .ok, #"{"result":{"job_id":"j","receipt_id":"r","miner_signature":\#(signature(trusted)),"coordinator_attestations":[],"all_valid":true}}"#)
        }) { url, _ in
            let good = try await Self.run(["verify-receipt", "good"], url: url)
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.contains("TRUSTED") && good.stdout.contains("true"))
            // The receipt's own signature is labelled as such, not as the miner's.
            #expect(good.stdout.split(separator: "\n").contains { $0.hasPrefix("receipt ") } && !good.stdout.contains("miner"))
            let forged = try await Self.run(["verify-receipt", "forged"], url: url)
            #expect(forged.status == 1)
            #expect(forged.stdout.contains("key not pinned"))
        }
    }
}
