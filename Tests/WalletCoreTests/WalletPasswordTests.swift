import Cryptography
import Testing
import WalletCore

@Suite struct WalletPasswordTests {
    /// Spec §8 create rules, each with its exact 400 message.
    @Test(arguments: [
        ("Short-1a", WalletPassword.Rule.tooShort, "password must be at least 12 characters"),
        ("lowercase-only-1", .missingUppercase, "password must contain an upper-case letter (A-Z)"),
        ("UPPERCASE-ONLY-1", .missingLowercase, "password must contain a lower-case letter (a-z)"),
        ("No-Digits-Here", .missingDigit, "password must contain a digit (0-9)"),
        ("NoSymbols12345", .missingSymbol, "password must contain a character other than A-Z, a-z and 0-9"),
    ])
    func createRulesNameTheFirstBrokenRule(password: String, rule: WalletPassword.Rule, message: String) {
        #expect(throws: WalletCoreError.weakPassword(rule)) { try WalletPassword(creating: password) }
        #expect(rule.message == message)
        #expect(WalletCoreError.weakPassword(rule).description == message)
    }

    @Test func lengthIsTwelveToTenTwentyFourCharacters() throws {
        #expect(throws: WalletCoreError.weakPassword(.tooShort)) { try WalletPassword("Aa1-Aa1-Aa1") }
        _ = try WalletPassword("Aa1-Aa1-Aa1-")
        _ = try WalletPassword(creating: "A1-" + String(repeating: "a", count: 1021))
        #expect(throws: WalletCoreError.weakPassword(.tooLong)) { try WalletPassword("A1-" + String(repeating: "a", count: 1022)) }
        #expect(throws: WalletCoreError.weakPassword(.tooLong)) { try WalletPassword(String(repeating: "x", count: 1_000_000)) }
        // Characters, not bytes: 12 two-byte characters are enough.
        _ = try WalletPassword(String(repeating: "é", count: 12))
    }

    /// Unlock checks length only; the composition rules apply to new wallets.
    @Test func unlockSkipsTheCreateRules() throws {
        _ = try WalletPassword("alllowercasepassword")
    }

    /// NFC: a decomposed "é" (e + U+0301) and the precomposed one give the same key input.
    @Test func normalizesToNFC() throws {
        let composed = try WalletPassword("Caf\u{00E9}-Password-1")
        let decomposed = try WalletPassword("Cafe\u{0301}-Password-1")
        #expect(composed.bytes == decomposed.bytes)
        #expect(composed.bytes == SecureBytes(copying: Array("Caf\u{00E9}-Password-1".utf8)))
    }

    @Test func neverPrintsThePassword() throws {
        let password = try WalletPassword(goodPassword)
        #expect(!String(describing: password).contains("Horse"))
        #expect(!String(reflecting: password).contains("Horse"))
        var dumped = ""
        dump(password, to: &dumped)
        #expect(!dumped.contains("Horse"))
    }
}
