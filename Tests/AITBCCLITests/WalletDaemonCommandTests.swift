import AITBCClient
import Cryptography
import Foundation
import JSON
import ServiceRuntime
import TestSupport
import Testing
import WireModels

/// `aitbc wallet` end to end, as an operator runs it: a chain node started from a genesis that
/// funds the wallet's key, the wallet daemon over that node, the CLI against the daemon (with
/// its token). Cheap Argon2id parameters keep unlocks short.
@Suite(.serialized) struct WalletDaemonCommandTests {
    static let password = "Correct-Horse-9-battery"
    static let token = "wallet-daemon-token-0123456789"

    let directory: TemporaryDirectory
    let passwordFile: String
    let tokenFile: String
    let key: Ed25519.PrivateKey

    init() throws {
        directory = try TemporaryDirectory(prefix: "wallet-e2e")
        passwordFile = directory.path("password")
        tokenFile = directory.path("token")
        key = try Ed25519.PrivateKey(seedBytes: (0..<32).map { UInt8($0 + 1) })
        for (path, text) in [(passwordFile, Self.password + "\n"), (tokenFile, Self.token + "\n")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
    }

    var address: Address { Address(publicKey: key.publicKey) }

    /// `aitbc` with `arguments`; fails the test when the password or token shows in its output.
    func aitbc(_ arguments: [String], stdin: String? = nil) async throws -> CLIFixtures.Run {
        let run = try await CLIFixtures.runAsync(arguments, stdin: stdin.map { Array($0.utf8) })
        for secret in [Self.password, Self.token] {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "a secret was printed by aitbc \(arguments)")
        }
        return run
    }

    /// `aitbc wallet …` against `daemon` with the token file.
    func wallet(_ arguments: [String], _ daemon: ListeningProcess) async throws -> CLIFixtures.Run {
        try await aitbc(["wallet"] + arguments + ["--url", daemon.url, "--token-file", tokenFile])
    }

    /// A chain node whose genesis funds this test's wallet key, producing blocks every 200 ms.
    func startChain() async throws -> ListeningProcess {
        let binary = try #require(TestPaths.product("aitbc-chain-node"), "build the package first (swift build)")
        let authority = directory.path("authority.json")
        let keygen = try await aitbc(["chain", "keygen", "--output", authority])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let authorityKey = try #require(
            try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(Array(keygen.stdout.utf8))["public_key"]?.stringValue)
        let genesis = directory.path("genesis.json")
        let made = try await aitbc([
            "chain", "genesis", "--output", genesis, "--authority-key", authorityKey, "--account", "\(address.rawValue)=1000000",
            "--block-time-ms", "200", "--timestamp", String(Int(Date().timeIntervalSince1970) - 5),
        ])
        #expect(made.status == 0, "\(made.stderr)")
        return try await ListeningProcess(
            binary: binary, arguments: ["run", "--env-file", "/dev/null"],
            settings: [
                "CHAIN_GENESIS": genesis, "DB_PATH": directory.path("chain.db"), "DATA_DIR": directory.path("chain"),
                "PROPOSER_KEY_FILE": authority, "RPC_BIND_PORT": "0", "P2P_BIND_PORT": "0",
            ], directory: directory.url.path)
    }

    /// The wallet daemon over `chain`, its keystore and ledger in this test's directory.
    func startDaemon(chain: ListeningProcess) async throws -> ListeningProcess {
        let binary = try #require(TestPaths.product("aitbc-wallet-daemon"), "build the package first (swift build)")
        return try await ListeningProcess(
            binary: binary, arguments: ["--port", "0", "--env-file", "/dev/null"],
            settings: [
                "KEYSTORE_DIR": directory.path("keystore"), "LEDGER_DB_PATH": directory.path("wallet_ledger.db"), "WALLET_TOKEN": Self.token,
                "CHAIN_RPC_URL": chain.url, "CHAIN_ID": "ait-devnet", "ARGON_TIME": "1", "ARGON_MEMORY_MB": "8", "ARGON_PARALLELISM": "1",
                "RATE_LIMIT_REQUESTS": "100000",
            ], directory: directory.url.path)
    }

    /// `address`'s balance on the node, once it is `expected` (or the last one seen after 30 s).
    func balance(of address: Address, becomes expected: UInt64, chain: ListeningProcess) async throws -> UInt64? {
        let client = ChainClient(configuration: ChainConfiguration(baseURL: chain.url))
        defer { Task { await client.shutdown() } }
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var seen: UInt64?
        while ContinuousClock.now < deadline {
            seen = try? await client.account(address).balance
            if seen == expected { return seen }
            try await Task.sleep(for: .milliseconds(100))
        }
        return seen
    }

    @Test func createFundSendAndRestartThroughTheCLI() async throws {
        let chain = try await startChain()
        var daemon = try await startDaemon(chain: chain)
        let secretFile = directory.path("seed.b64")
        try Data((key.seed.withUnsafeBytes { Data($0) }.base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: secretFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretFile)

        let created = try await wallet(["create", "main", "--secret-key-file", secretFile, "--password-file", passwordFile, "--json"], daemon)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try CLIFixtures.json(created)["wallet"]?["address"]?.stringValue == address.rawValue)

        let balance = try await wallet(["balance", "main", "--json"], daemon)
        #expect(balance.status == 0, "\(balance.stderr)")
        #expect(try CLIFixtures.json(balance)["balance"]?.stringValue == "1000000")
        #expect(try CLIFixtures.json(balance)["ledger"]?.stringValue == "chain")

        let recipient = Address(publicKey: try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 9, count: 32)).publicKey)
        let locked = try await wallet(["send", "main", "--to", recipient.rawValue, "--amount", "5000"], daemon)
        #expect(locked.status == 3)
        let unlocked = try await wallet(["unlock", "main", "--ttl", "60", "--password-file", passwordFile], daemon)
        #expect(unlocked.status == 0, "\(unlocked.stderr)")
        let sent = try await wallet(["send", "main", "--to", recipient.rawValue, "--amount", "5000", "--json"], daemon)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(try CLIFixtures.json(sent)["nonce"]?.int64Value == 1)
        #expect(try await self.balance(of: recipient, becomes: 5_000, chain: chain) == 5_000)

        let signed = try await wallet(["sign", "main", "--message", "hello"], daemon)
        #expect(signed.status == 0, "\(signed.stderr)")
        let lock = try await wallet(["lock", "main"], daemon)
        #expect(lock.status == 0)
        let refused = try await wallet(["sign", "main", "--message", "hello"], daemon)
        #expect(refused.status == 3)

        // A restarted daemon still has the wallet, locked; its transfer history survived.
        #expect(await daemon.stop() == 0)
        daemon = try await startDaemon(chain: chain)
        let list = try await wallet(["list"], daemon)
        #expect(list.status == 0 && list.stdout.contains("main") && list.stdout.contains(address.rawValue))
        let stillLocked = try await wallet(["sign", "main", "--message", "hello"], daemon)
        #expect(stillLocked.status == 3)
        let history = try await WalletClient(configuration: WalletClientConfiguration(baseURL: daemon.url, token: Self.token))
            .transactions("main")
        #expect(history.items.map(\.status) == ["included"])
        #expect(await daemon.stop() == 0)
        #expect(await chain.stop() == 0)
    }

    @Test func concurrentSendsThroughTheDaemonGetConsecutiveNoncesAndAllLand() async throws {
        let chain = try await startChain()
        let daemon = try await startDaemon(chain: chain)
        let wallet = WalletClient(configuration: WalletClientConfiguration(baseURL: daemon.url, token: Self.token))
        let seed = key.seed.withUnsafeBytes { Data($0) }.base64EncodedString()
        _ = try await wallet.create(WalletCreateRequest(walletID: "hot", password: Self.password, secretKey: seed))
        _ = try await wallet.unlock("hot", password: Self.password, ttlSeconds: 120)
        let recipient = Address(publicKey: try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 7, count: 32)).publicKey)
        let nonces = try await withThrowingTaskGroup(of: UInt64?.self) { group in
            for _ in 0..<40 {
                group.addTask { try await wallet.send("hot", WalletSendRequest(to: recipient.rawValue, amount: "10")).nonce }
            }
            return try await group.reduce(into: [UInt64?]()) { $0.append($1) }
        }
        #expect(nonces.compactMap { $0 }.sorted() == Array(1...40))
        #expect(try await balance(of: recipient, becomes: 400, chain: chain) == 400)
        await wallet.shutdown()
        #expect(await daemon.stop() == 0)
        #expect(await chain.stop() == 0)
    }
}
