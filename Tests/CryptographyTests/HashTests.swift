import Cryptography
import Testing
import TestSupport

struct SHA256Vector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let message_hex: String
    let digest_hex: String
    var testDescription: String { name }
}

struct SHA256VectorFile: Decodable {
    let cases: [SHA256Vector]
    let million_a_digest_hex: String
}

struct BLAKE2bVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let message_hex: String
    let key_hex: String
    let output_length: Int
    let digest_hex: String
    var testDescription: String { name }
}

struct BLAKE2bVectorFile: Decodable { let cases: [BLAKE2bVector] }

@Suite struct HashTests {
    static let sha = try? VectorFile.load("sha256_nist", as: SHA256VectorFile.self)
    static let blake = (try? VectorFile.load("blake2b", as: BLAKE2bVectorFile.self).cases) ?? []

    @Test func vectorFilesLoad() {
        #expect(HashTests.sha?.cases.count == 4)
        #expect(HashTests.blake.count == 3)
    }

    @Test(arguments: sha?.cases ?? [])
    func sha256KnownAnswer(vector: SHA256Vector) {
        #expect(Hex.encode(SHA256.hash(bytes(hex: vector.message_hex))) == vector.digest_hex)
    }

    @Test func sha256MillionAIncrementally() throws {
        let expected = try #require(HashTests.sha?.million_a_digest_hex)
        var hasher = SHA256.Hasher()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(Hex.encode(hasher.finalize()) == expected)
        #expect(Hex.encode(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == expected)
    }

    @Test(arguments: blake)
    func blake2bKnownAnswer(vector: BLAKE2bVector) throws {
        let digest = try BLAKE2b.hash(
            bytes(hex: vector.message_hex), outputLength: vector.output_length, key: bytes(hex: vector.key_hex))
        #expect(Hex.encode(digest) == vector.digest_hex)
    }

    @Test func blake2bRejectsBadLengths() {
        #expect(throws: CryptographyError.self) { try BLAKE2b.hash([], outputLength: 15) }
        #expect(throws: CryptographyError.self) { try BLAKE2b.hash([], outputLength: 65) }
        #expect(throws: CryptographyError.self) { try BLAKE2b.hash([], key: [1, 2, 3]) }
        #expect((try? BLAKE2b.hash([1]))?.count == 32)
    }
}
