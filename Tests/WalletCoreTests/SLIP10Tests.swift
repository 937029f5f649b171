import Cryptography
import Testing
import TestSupport
import WalletCore

@Suite struct SLIP10Tests {
    struct Step: Decodable, Sendable {
        let path: String
        let chain_code: String
        let `private`: String
        let `public`: String
    }

    struct Vector: Decodable, Sendable {
        let vector: Int
        let seed_hex: String
        let chains: [Step]
    }

    struct File: Decodable { let vectors: [Vector] }

    struct Case: Sendable, CustomTestStringConvertible {
        let seed: String
        let step: Step
        let vector: Int
        var testDescription: String { "vector \(vector) \(step.path)" }
    }

    static let vectors = (try? WalletVectors.load("protocols/slip10/ed25519.json", as: File.self).vectors) ?? []
    static let cases = vectors.flatMap { vector in vector.chains.map { Case(seed: vector.seed_hex, step: $0, vector: vector.vector) } }

    @Test func bothVectorsLoad() {
        #expect(Self.vectors.map(\.vector) == [1, 2])
        #expect(Self.cases.count == 12)
    }

    /// §15.2: every listed path of both ed25519 vectors: key, chain code and public key
    /// (SLIP-10 prints a 0x00 prefix; the wallet uses the 32 bytes after it).
    @Test(arguments: cases)
    func slip10Ed25519Vector(testCase: Case) throws {
        let path = try DerivationPath(parsing: testCase.step.path)
        let node = try SLIP10.derive(seed: SecureBytes(copying: bytes(hex: testCase.seed)), path: path)
        #expect(hex(node.key) == testCase.step.private)
        #expect(hex(node.chainCode) == testCase.step.chain_code)
        #expect("00" + (try node.privateKey().publicKey.hex) == testCase.step.public)
    }

    @Test func seedSizeIsChecked() {
        #expect(throws: WalletCoreError.self) { try SLIP10.master(seed: SecureBytes.random(count: 15)) }
        #expect(throws: WalletCoreError.self) { try SLIP10.master(seed: SecureBytes.random(count: 65)) }
    }
}

@Suite struct DerivationPathTests {
    @Test(arguments: ["m/0'/1", "m/44'/12345'/0'/0/0", "m/1", "m/0'/1'/2'/3'/4'/5'/6'/7'/8'/9"])
    func anyNonHardenedStepIsRefused(text: String) {
        #expect {
            try DerivationPath(parsing: text)
        } throws: { error in
            if case WalletCoreError.nonHardenedIndex = error { return true }
            return false
        }
    }

    @Test func reportsThePositionOfTheNonHardenedStep() {
        #expect(throws: WalletCoreError.nonHardenedIndex(position: 4)) { try DerivationPath(parsing: "m/44'/12345'/0'/0/0'") }
    }

    @Test(arguments: ["", "n/0'", "/0'", "m/", "m//0'", "m/-1'", "m/01'", "m/2147483648'", "m/0''", "m/0x'", "m/ 0'",
                      "m/0'/1'/2'/3'/4'/5'/6'/7'/8'/9'/10'", "M/0'"])
    func malformedPathsAreRefused(text: String) {
        #expect(throws: WalletCoreError.self) { try DerivationPath(parsing: text) }
    }

    @Test func acceptsAllHardenedSpellings() throws {
        #expect(try DerivationPath(parsing: "m").indices == [])
        #expect(try DerivationPath(parsing: "m/0H/1h/2'/2147483647'").indices == [0, 1, 2, 2_147_483_647])
        #expect(try DerivationPath(parsing: "m/0H/1h").description == "m/0'/1'")
        #expect(throws: WalletCoreError.self) { try DerivationPath(hardened: [0x8000_0000]) }
    }
}

@Suite struct AITAccountPathTests {
    @Test func primaryPathAndAccountID() throws {
        #expect(AITAccountPath.primary.description == "m/44'/12345'/0'/0'/0'")
        let path = try AITAccountPath(parsing: "m/44'/12345'/3'/1'/7'")
        #expect(path.account == 3 && path.change == 1 && path.index == 7)
        #expect(path.accountID(wallet: try #require(WalletID("main"))) == "main:3:1:7")
        #expect(try AITAccountPath(account: 3, change: 1, index: 7) == path)
    }

    @Test(arguments: ["m/44'/12345'/0'/0/0", "m/44'/60'/0'/0'/0'", "m/45'/12345'/0'/0'/0'", "m/44'/12345'/0'/0'", "m/44'/12345'/0'/0'/0'/0'"])
    func otherShapesAreRefused(text: String) {
        #expect(throws: WalletCoreError.self) { try AITAccountPath(parsing: text) }
    }

    /// Different paths give different keys; the same path twice gives the same key.
    @Test func derivationIsDeterministicPerPath() throws {
        let seed = SecureBytes.random(count: 64)
        let a = try SLIP10.derive(seed: seed, path: AITAccountPath(account: 0, change: 0, index: 1).derivationPath)
        let b = try SLIP10.derive(seed: seed, path: AITAccountPath(account: 0, change: 0, index: 1).derivationPath)
        let c = try SLIP10.derive(seed: seed, path: AITAccountPath.primary.derivationPath)
        #expect(a.key == b.key && a.key != c.key)
    }
}
