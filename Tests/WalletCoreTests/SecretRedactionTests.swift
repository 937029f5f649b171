import Cryptography
import Testing
import WalletCore

/// No description, debug description or dump of a WalletCore value shows secret material.
@Suite struct SecretRedactionTests {
    static func printed(_ value: Any) -> String {
        var dumped = ""
        dump(value, to: &dumped)
        return "\(value)|\(String(reflecting: value))|\(dumped)"
    }

    @Test func derivedKeysMnemonicsPasswordsAndRecordsPrintNoSecrets() throws {
        let mnemonic = try Mnemonic(parsing: Array(repeating: "abandon", count: 11).joined(separator: " ") + " about")
        let seed = try mnemonic.seed(passphrase: "TREZOR")
        let node = try SLIP10.derive(seed: seed, path: AITAccountPath.primary.derivationPath)
        let secrets = [hex(seed), hex(node.key), hex(node.chainCode)]
        let password = try WalletPassword(goodPassword)
        let record = try KeystoreCipher.seal(
            secret: seed, kind: .hd, walletID: try #require(WalletID("hd")), password: password, parameters: testKDF)
        for value in [node as Any, mnemonic, seed, password, record, try KeystoreCipher.primaryKey(of: seed, kind: .hd)] {
            let text = Self.printed(value)
            for secret in secrets { #expect(!text.contains(secret)) }
            #expect(!text.contains("abandon") && !text.contains("Horse"))
            #expect(!text.contains(StrictBase64.encode(record.ciphertext)))
        }
    }
}
