import Cryptography
import Testing
import TestSupport

struct Argon2Vector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let password_hex: String
    let salt_hex: String
    let secret_hex: String
    let associated_data_hex: String
    let iterations: UInt32
    let memory_kib: UInt32
    let parallelism: UInt32
    let tag_hex: String
    var testDescription: String { name }
}

struct Argon2VectorFile: Decodable { let cases: [Argon2Vector] }

@Suite struct Argon2idTests {
    static let vectors = (try? VectorFile.load("argon2id", as: Argon2VectorFile.self).cases) ?? []

    @Test func vectorFileLoads() { #expect(Argon2idTests.vectors.count == 4) }

    /// phc-winner-argon2 test.c (Argon2id v0x13) and RFC 9106 §5.3 (secret + associated data).
    @Test(arguments: vectors)
    func knownAnswer(vector: Argon2Vector) throws {
        let parameters = Argon2id.Parameters(
            iterations: vector.iterations, memoryKiB: vector.memory_kib, parallelism: vector.parallelism,
            outputLength: vector.tag_hex.utf8.count / 2)
        let tag = try Argon2id.hash(
            password: bytes(hex: vector.password_hex), salt: bytes(hex: vector.salt_hex), parameters: parameters,
            secret: bytes(hex: vector.secret_hex), associatedData: bytes(hex: vector.associated_data_hex))
        #expect(tag.withUnsafeBytes { Hex.encode($0) } == vector.tag_hex)
    }

    @Test func asyncVariantMatches() async throws {
        let parameters = Argon2id.Parameters(iterations: 2, memoryKiB: 256, parallelism: 1)
        let tag = try await Argon2id.hash(
            password: SecureBytes(copying: Array("password".utf8)), salt: Array("somesalt".utf8), parameters: parameters)
        #expect(tag.withUnsafeBytes { Hex.encode($0) } == "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe")
    }

    @Test func reportsLibraryErrors() {
        let parameters = Argon2id.Parameters(iterations: 2, memoryKiB: 256, parallelism: 1)
        #expect {
            try Argon2id.hash(password: [1], salt: [1, 2, 3], parameters: parameters)
        } throws: { error in
            if case .argon2(let code, _) = error as? CryptographyError { return code != 0 }
            return false
        }
        #expect(throws: CryptographyError.self) {
            try Argon2id.hash(password: [1], salt: Array("somesalt".utf8),
                              parameters: .init(iterations: 1, memoryKiB: 1, parallelism: 1))
        }
        #expect(throws: CryptographyError.self) {
            try Argon2id.hash(password: [1], salt: Array("somesalt".utf8),
                              parameters: .init(iterations: 1, memoryKiB: 64, parallelism: 1, outputLength: 3))
        }
    }
}
