import Cryptography
import JSON
import TestSupport
import Testing
import Wallet
import WalletCore

/// §15.15: every log line (trace level) written while the API is driven through each secret-
/// bearing route holds no password, secret key, mnemonic, passphrase or message.
@Suite struct WalletLogCaptureTests {
    @Test func logsOverTheAPISuiteNeverContainSecrets() async throws {
        let daemon = try await WalletTestDaemon.start()
        let password = "Unusual-Pass-7731!"
        let secret = StrictBase64.encode(SecureRandom.bytes(count: 32))
        let mnemonic = "legal winner thank year wave sausage worth useful legal winner thank yellow"
        let passphrase = "Passphrase-Zebra-42"
        let message = "private-message-text-91357"
        let message64 = StrictBase64.encode(Array(message.utf8))
        _ = try await daemon.post("/v1/wallets", ["wallet_id": "raw1", "password": .string(password), "secret_key": .string(secret)])
        let hd = try await daemon.post("/v1/wallets", ["wallet_id": "hd1", "password": .string(password), "kind": "hd"])
        let generated = try #require(hd.body["mnemonic"]?.stringValue)
        _ = try await daemon.post(
            "/v1/wallets/import-mnemonic",
            ["wallet_id": "hd2", "password": .string(password), "mnemonic": .string(mnemonic), "passphrase": .string(passphrase)])
        _ = try await daemon.post("/v1/wallets/raw1/unlock", ["password": .string("Wrong-\(password)")])
        _ = try await daemon.post("/v1/wallets/raw1/unlock", ["password": .string(password)])
        _ = try await daemon.post("/v1/wallets/raw1/sign", ["message_base64": .string(message64)])
        _ = try await daemon.post("/v1/wallets/raw1/sign", ["password": .string(password), "message_base64": .string(message64)])
        _ = try await daemon.post("/v1/wallets/hd2/accounts", ["path": "m/44'/12345'/0'/0'/3'", "password": .string(password)])
        _ = try await daemon.post(
            "/rpc", ["jsonrpc": "2.0", "method": "wallet.sign", "params": ["wallet_id": "raw1", "password": .string(password), "message": .string(message64)], "id": 1])
        _ = try await daemon.post("/rpc", ["jsonrpc": "2.0", "method": "wallet.create", "params": ["wallet_id": "x", "password": .string(password + "{")], "id": 2])
        _ = try await daemon.post("/v1/wallets/raw1/lock", [:])
        await daemon.stop()
        let logs = daemon.logs.all.joined(separator: "\n")
        #expect(!daemon.logs.all.isEmpty)
        for needle in [password, secret, mnemonic, passphrase, message, message64, generated] + generated.split(separator: " ").prefix(3).map(String.init).filter({ $0.count > 6 }) {
            #expect(!logs.contains(needle), "a log line contains a secret")
        }
    }
}
