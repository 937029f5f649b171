import AITBCClient
import Cryptography
import Foundation
import JSON
import ServiceRuntime
import TestSupport
import Testing
import WireModels

/// `WalletClient` against a real `aitbc-wallet-daemon` process (offline ledger, cheap Argon2id,
/// a token): every route the SDK wraps answers in the shape the SDK decodes.
@Suite(.serialized) struct WalletClientLiveTests {
    static let password = "Correct-Horse-9-battery"
    static let token = "wallet-sdk-token-0123456789"
    static let mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

    /// The daemon, its client and a directory; the process is killed if the test throws.
    final class Daemon: Sendable {
        let directory: TemporaryDirectory
        let process: ListeningProcess

        init() async throws {
            let binary = try #require(TestPaths.product("aitbc-wallet-daemon"), "build the package first (swift build)")
            directory = try TemporaryDirectory(prefix: "wallet-sdk-live")
            process = try await ListeningProcess(
                binary: binary, arguments: ["--port", "0", "--env-file", "/dev/null"],
                settings: [
                    "KEYSTORE_DIR": directory.path("keystore"), "LEDGER_DB_PATH": directory.path("ledger.db"), "LEDGER": "offline",
                    "WALLET_TOKEN": WalletClientLiveTests.token, "ARGON_TIME": "1", "ARGON_MEMORY_MB": "8", "ARGON_PARALLELISM": "1",
                    "RATE_LIMIT_REQUESTS": "100000",
                ], directory: directory.url.path)
        }

        func client(token: String? = WalletClientLiveTests.token) -> WalletClient {
            WalletClient(configuration: WalletClientConfiguration(baseURL: process.url, token: token, maxRetries: 0))
        }

        func stop() async -> Int32 { await process.stop() }
    }

    @Test func everyRouteAnswersWhatTheSDKDecodes() async throws {
        let daemon = try await Daemon()
        let wallet = daemon.client()

        let raw = try await wallet.create(WalletCreateRequest(walletID: "main", password: Self.password, metadata: WalletMetadata(["label": "primary"])))
        #expect(raw.wallet.kind == "raw" && raw.mnemonic == nil)
        let hd = try await wallet.create(WalletCreateRequest(walletID: "tree", password: Self.password, kind: "hd", mnemonicWords: 12))
        #expect(hd.mnemonic?.split(separator: " ").count == 12)
        let restored = try await wallet.importMnemonic(WalletImportMnemonicRequest(walletID: "restored", password: Self.password, mnemonic: Self.mnemonic))
        #expect(restored.wallet.kind == "hd")
        #expect(try await wallet.list().items.map(\.walletID).sorted() == ["main", "restored", "tree"])

        // Signing: locked without a password, then with the unlocked key, over the message domain.
        do {
            _ = try await wallet.sign("main", message: Array("hi".utf8))
            Issue.record("a locked wallet signed")
        } catch {
            #expect(error.status == 401)
        }
        let state = try await wallet.unlock("main", password: Self.password, ttlSeconds: 30)
        #expect(state.unlocked && state.expiresAt != nil)
        let signed = try await wallet.sign("main", message: Array("hi".utf8))
        let publicKey = try Ed25519.PublicKey(hex: try #require(signed.publicKey))
        let signature = Array(try #require(Data(base64Encoded: signed.signatureBase64)))
        #expect(publicKey.isValidSignature(signature, for: WalletSigningDomain.messagePrefix + Array("hi".utf8)))
        #expect(!publicKey.isValidSignature(signature, for: Array("hi".utf8)))
        #expect(try await wallet.lock("main").unlocked == false)

        // Accounts of an HD wallet.
        let derived = try await wallet.deriveAccount("restored", path: "m/44'/12345'/0'/0'/1'", password: Self.password)
        #expect(derived.accountID == "restored:0:0:1")
        #expect(try await wallet.address(derived.accountID).address == derived.address)
        #expect(try await wallet.accounts("restored").items.map(\.accountID).contains("restored:0:0:1"))

        // The offline ledger: labelled, a transfer beyond the balance refused with its code.
        let balance = try await wallet.balance("main")
        #expect(balance.ledger == "offline" && balance.balance == "0" && balance.nonce == nil)
        do {
            _ = try await wallet.send("main", WalletSendRequest(to: derived.address, amount: "1.5", password: Self.password))
            Issue.record("an empty offline account paid")
        } catch {
            #expect(error.status == 400)
            #expect(error.code == "INSUFFICIENT_FUNDS")
        }
        #expect(try await wallet.transactions("main").items.isEmpty)

        // JSON-RPC over the same service.
        let reply = try #require(try await wallet.rpc(method: "wallet.list"))
        guard case .result(let result) = reply.outcome else {
            Issue.record("wallet.list failed: \(reply.outcome)")
            return
        }
        #expect(result["items"]?.arrayValue?.count == 3)

        // The token is required on every route.
        let stranger = daemon.client(token: "not-the-token-0123456789")
        do {
            _ = try await stranger.list()
            Issue.record("a wrong token was accepted")
        } catch {
            #expect(error.status == 401)
            #expect(error.message == "unauthorized")
        }
        await stranger.shutdown()
        await wallet.shutdown()
        #expect(await daemon.stop() == 0)
    }
}
