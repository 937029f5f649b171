import Cryptography
import Foundation
import Testing
import TestSupport
import WalletCore

@Suite struct MnemonicTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let entropy: String
        let mnemonic: String
        let seed: String
        var testDescription: String { "\(entropy.count * 2) bits: \(entropy.prefix(8))…" }
    }

    struct File: Decodable {
        let passphrase: String
        let vectors: [[String]]
    }

    static let file = try? WalletVectors.load("protocols/bip39/vectors-english.json", as: File.self)
    static let vectors = (file?.vectors ?? []).compactMap { row in
        row.count >= 3 ? Vector(entropy: row[0], mnemonic: row[1], seed: row[2]) : nil
    }

    @Test func allTwentyFourTrezorVectorsLoad() {
        #expect(Self.vectors.count == 24)
        #expect(Self.file?.passphrase == "TREZOR")
    }

    /// §15.1: entropy → words, words → entropy, and the seed with passphrase "TREZOR".
    @Test(arguments: vectors)
    func trezorVector(vector: Vector) throws {
        let fromEntropy = try Mnemonic(entropy: SecureBytes(copying: bytes(hex: vector.entropy)))
        #expect(fromEntropy.phrase == vector.mnemonic)
        let parsed = try Mnemonic(parsing: vector.mnemonic)
        #expect(hex(parsed.entropy) == vector.entropy)
        #expect(hex(try parsed.seed(passphrase: "TREZOR")) == vector.seed)
    }

    @Test func caseOneFromTheSpec() throws {
        let mnemonic = try Mnemonic(parsing: Array(repeating: "abandon", count: 11).joined(separator: " ") + " about")
        #expect(hex(try mnemonic.seed(passphrase: "TREZOR")) == "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04")
    }

    @Test func aBadChecksumIsRefused() {
        let sentence = Array(repeating: "abandon", count: 12).joined(separator: " ")
        #expect(throws: WalletCoreError.invalidMnemonic(.checksum)) { try Mnemonic(parsing: sentence) }
    }

    @Test func anUnknownWordIsRefusedByPositionWithoutEchoingIt() {
        let sentence = (Array(repeating: "abandon", count: 5) + ["bitcoinz"] + Array(repeating: "abandon", count: 5) + ["about"])
            .joined(separator: " ")
        #expect(throws: WalletCoreError.invalidMnemonic(.unknownWord(position: 6))) { try Mnemonic(parsing: sentence) }
        #expect(!WalletCoreError.invalidMnemonic(.unknownWord(position: 6)).description.contains("bitcoinz"))
    }

    @Test(arguments: [0, 11, 13, 25])
    func wrongWordCountsAreRefused(count: Int) {
        let sentence = Array(repeating: "abandon", count: count).joined(separator: " ")
        #expect(throws: WalletCoreError.invalidMnemonic(.wordCount(count))) { try Mnemonic(parsing: sentence) }
    }

    /// Extra whitespace is not part of the sentence; NFKD applies (full-width spaces fold).
    @Test func whitespaceIsNormalized() throws {
        let spaced = "  abandon\tabandon abandon\u{3000}abandon abandon abandon abandon abandon abandon abandon abandon\nabout "
        #expect(hex(try Mnemonic(parsing: spaced).entropy) == String(repeating: "0", count: 32))
    }

    /// The passphrase is NFKD-normalised (BIP-39): composed and decomposed spellings agree.
    @Test func passphraseIsNFKD() throws {
        let mnemonic = try Mnemonic(entropy: SecureBytes(copying: [UInt8](repeating: 7, count: 16)))
        #expect(try mnemonic.seed(passphrase: "caf\u{00E9}") == mnemonic.seed(passphrase: "cafe\u{0301}"))
        #expect(try mnemonic.seed(passphrase: "") != mnemonic.seed(passphrase: "x"))
    }

    @Test(arguments: Mnemonic.wordCounts)
    func generatesEveryLength(count: Int) throws {
        let generated = try Mnemonic.generate(wordCount: count)
        #expect(generated.words.count == count)
        let reparsed = try Mnemonic(parsing: generated.phrase)
        #expect(reparsed.entropy == generated.entropy)
        #expect(try Mnemonic.generate(wordCount: count).entropy != generated.entropy)
    }

    @Test func refusesBadLengths() {
        #expect(throws: WalletCoreError.invalidMnemonic(.wordCount(13))) { try Mnemonic.generate(wordCount: 13) }
        #expect(throws: WalletCoreError.invalidMnemonic(.entropyLength(17))) { try Mnemonic(entropy: SecureBytes.random(count: 17)) }
    }

    @Test func neverPrintsTheWords() throws {
        let mnemonic = try Mnemonic(parsing: Array(repeating: "abandon", count: 11).joined(separator: " ") + " about")
        var dumped = ""
        dump(mnemonic, to: &dumped)
        #expect(!dumped.contains("abandon") && !String(describing: mnemonic).contains("abandon"))
    }
}

@Suite struct BIP39WordlistTests {
    /// The compiled list equals protocols/bip39/english.txt word for word.
    @Test func equalsTheEnglishFile() throws {
        let text = String(decoding: try WalletVectors.data("protocols/bip39/english.txt"), as: UTF8.self)
        let words = text.split(separator: "\n").map(String.init)
        #expect(words.count == 2048)
        #expect(BIP39Wordlist.words == words)
        #expect(BIP39Wordlist.words.first == "abandon" && BIP39Wordlist.words.last == "zoo")
    }
}
