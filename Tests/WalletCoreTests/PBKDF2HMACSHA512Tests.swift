import Cryptography
import Testing
import WalletCore

@Suite struct PBKDF2HMACSHA512Tests {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let password: String
        let salt: String
        let iterations: Int
        let length: Int
        let key_hex: String
        var testDescription: String { "\(password)/\(salt)/\(iterations)" }
    }

    struct File: Decodable { let vectors: [Vector] }

    static let vectors = (try? WalletVectors.resource("pbkdf2_hmac_sha512", as: File.self).vectors) ?? []

    @Test func vectorFileLoads() { #expect(Self.vectors.count == 4) }

    /// Published PBKDF2-HMAC-SHA512 vectors (Vectors/pbkdf2_hmac_sha512.json): the RFC 6070
    /// inputs run with SHA-512, each reproduced with Python's `hashlib.pbkdf2_hmac`.
    @Test(arguments: vectors)
    func publishedVectors(vector: Vector) throws {
        let key = try PBKDF2HMACSHA512.derive(
            password: SecureBytes(copying: Array(vector.password.utf8)), salt: Array(vector.salt.utf8),
            iterations: vector.iterations, length: vector.length)
        #expect(hex(key) == vector.key_hex)
    }

    /// Outputs that are not a whole number of blocks are the prefix of the longer output.
    @Test func partialAndMultipleBlocks() throws {
        let password = SecureBytes(copying: Array("pass\u{0}word".utf8))
        let long = try PBKDF2HMACSHA512.derive(password: password, salt: Array("sa\u{0}lt".utf8), iterations: 3, length: 150)
        let short = try PBKDF2HMACSHA512.derive(password: password, salt: Array("sa\u{0}lt".utf8), iterations: 3, length: 20)
        #expect(hex(long).hasPrefix(hex(short)))
        // hashlib.pbkdf2_hmac("sha512", b"pass\0word", b"sa\0lt", 3, 150)
        #expect(hex(long) == "c8b254d6d32a42d5abadd31db0f4ab086e4c215ceae2748eababb19d408a46776d9f685502e028af175d0758c779572892ba3966527e0ae56bbeb781e811ca4c98b511eb583e21c6ffcee45e2d27829586cb1f4159ce31b3a810f0c4bad72bd35c31e39006e680fd74fa5b4840221086d07d90bf0d3d7e2287f9c68088c690e94c67382ab7a4ba3bc18fd12b0a2087e6276ab3962eff")
        #expect(long.count == 150)
    }

    @Test func refusesDegenerateParameters() {
        let password = SecureBytes(copying: [1, 2, 3])
        #expect(throws: WalletCoreError.self) { try PBKDF2HMACSHA512.derive(password: password, salt: [], iterations: 0, length: 64) }
        #expect(throws: WalletCoreError.self) { try PBKDF2HMACSHA512.derive(password: password, salt: [], iterations: 1, length: 0) }
    }
}
