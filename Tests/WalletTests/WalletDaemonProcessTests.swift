import Foundation
import HTTP1
import HTTPClient
import JSON
import ServiceRuntime
import Testing
import TestSupport

/// The built `aitbc-wallet-daemon` binary as users run it: a wallet created before a restart
/// is still there after it, locked; its keystore file is 0600 in a 0700 directory; SIGTERM
/// drains with exit 0; a non-loopback bind without a token exits 2 naming the setting.
@Suite(.serialized) struct WalletDaemonProcessTests {
    static func start(_ binary: String, _ directory: TemporaryDirectory, extra: [String: String] = [:]) async throws -> (ChildProcess, Int) {
        var environment = TestPaths.baseEnvironment()
        let settings = [
            "KEYSTORE_DIR": directory.path("keystore"), "LEDGER_DB_PATH": directory.path("ledger.db"), "LEDGER": "offline",
            "ARGON_TIME": "1", "ARGON_MEMORY_MB": "8", "ARGON_PARALLELISM": "1",
        ]
        for (key, value) in settings.merging(extra, uniquingKeysWith: { $1 }) { environment[key] = value }
        let child = try ChildProcess(binary, ["--port", "0", "--env-file", "/dev/null"], environment: environment, directory: directory.url.path)
        return (child, try await child.awaitOutput { CoordinatorProcess.listeningPort(in: $0.stdout) })
    }

    static func post(_ client: HTTPClient, _ url: String, _ body: JSONValue) async throws -> (Int, JSONValue) {
        let response = try await client.post(url, json: body)
        return (response.status.code, (try? JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(response.body)) ?? .null)
    }

    @Test func aRestartKeepsWalletsLockedAndTheKeystorePrivate() async throws {
        let binary = try #require(TestPaths.product("aitbc-wallet-daemon"), "build the package first (swift build)")
        let directory = try TemporaryDirectory(prefix: "wallet-process")
        let client = HTTPClient()
        let (first, port) = try await Self.start(binary, directory)
        let base = "http://127.0.0.1:\(port)"
        let created = try await Self.post(client, base + "/v1/wallets", ["wallet_id": "main", "password": "Correct-horse-9!"])
        #expect(created.0 == 201)
        #expect(try await Self.post(client, base + "/v1/wallets/main/unlock", ["password": "Correct-horse-9!"]).0 == 200)
        var info = stat()
        #expect(stat(directory.path("keystore/main.kdb"), &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(directory.path("keystore"), &info) == 0 && info.st_mode & 0o777 == 0o700)
        first.send(SIGTERM)
        #expect(await first.wait() == 0)

        let (second, port2) = try await Self.start(binary, directory)
        let base2 = "http://127.0.0.1:\(port2)"
        let list = try await client.get(base2 + "/v1/wallets")
        let items = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(list.body)["items"]?.arrayValue
        #expect(items?.first?["public_key"] == created.1["wallet"]?["public_key"])
        let locked = try await Self.post(client, base2 + "/v1/wallets/main/sign", ["message_base64": "aGk="])
        #expect(locked.0 == 401 && locked.1["code"] == "WALLET_LOCKED")
        #expect(try await Self.post(client, base2 + "/v1/wallets/main/unlock", ["password": "Correct-horse-9!"]).0 == 200)
        second.send(SIGTERM)
        #expect(await second.wait() == 0)
        await client.shutdown()
    }

    @Test func aNonLoopbackBindWithoutATokenExits2NamingTheSetting() async throws {
        let binary = try #require(TestPaths.product("aitbc-wallet-daemon"), "build the package first (swift build)")
        let directory = try TemporaryDirectory(prefix: "wallet-process")
        var environment = TestPaths.baseEnvironment()
        environment["WALLET_BIND"] = "0.0.0.0"
        let child = try ChildProcess(binary, ["--port", "0", "--env-file", "/dev/null"], environment: environment, directory: directory.url.path)
        #expect(await child.wait(timeout: .seconds(30)) == 2)
        #expect(child.stderr.contains("WALLET_TOKEN"))
    }
}
