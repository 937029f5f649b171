import Testing
import WalletCore

@Suite struct WalletIDTests {
    @Test(arguments: ["../x", "A", "a/b", ".", "..", "", "_a", "-a", "a.b", "a b", "é", String(repeating: "a", count: 65)])
    func aHostileOrMalformedIDIsRefused(_ text: String) {
        #expect(WalletID(text) == nil)
    }

    @Test(arguments: ["a", "main", "0", "a_b-c9", String(repeating: "a", count: 64)])
    func aWellFormedIDIsAccepted(_ text: String) {
        #expect(WalletID(text)?.rawValue == text)
    }
}
