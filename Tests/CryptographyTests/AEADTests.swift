import Cryptography
import Testing
import TestSupport

struct XChaChaVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let plaintext_hex: String
    let aad_hex: String
    let key_hex: String
    let nonce_hex: String
    let ciphertext_hex: String
    let tag_hex: String
    var testDescription: String { name }
}

struct XChaChaVectorFile: Decodable { let cases: [XChaChaVector] }

@Suite struct XChaCha20Poly1305Tests {
    static let vectors = (try? VectorFile.load("xchacha20poly1305", as: XChaChaVectorFile.self).cases) ?? []

    @Test func vectorFileLoads() { #expect(XChaCha20Poly1305Tests.vectors.count == 1) }

    /// draft-irtf-cfrg-xchacha-03 §A.3.1.
    @Test(arguments: vectors)
    func knownAnswer(vector: XChaChaVector) throws {
        let key = SecureBytes(copying: bytes(hex: vector.key_hex))
        let nonce = bytes(hex: vector.nonce_hex)
        let aad = bytes(hex: vector.aad_hex)
        let sealed = try XChaCha20Poly1305.seal(bytes(hex: vector.plaintext_hex), key: key, nonce: nonce, associatedData: aad)
        #expect(Hex.encode(sealed) == vector.ciphertext_hex + vector.tag_hex)
        let opened = try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, associatedData: aad)
        #expect(opened.withUnsafeBytes { Array($0) } == bytes(hex: vector.plaintext_hex))
    }

    @Test func rejectsTamperingAndWrongInputs() throws {
        let key = XChaCha20Poly1305.generateKey()
        let nonce = XChaCha20Poly1305.generateNonce()
        let sealed = try XChaCha20Poly1305.seal(Array("secret".utf8), key: key, nonce: nonce, associatedData: [1])
        var flipped = sealed
        flipped[0] ^= 1
        #expect(throws: CryptographyError.authenticationFailed) {
            try XChaCha20Poly1305.open(flipped, key: key, nonce: nonce, associatedData: [1])
        }
        #expect(throws: CryptographyError.authenticationFailed) {
            try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, associatedData: [2])
        }
        #expect(throws: CryptographyError.authenticationFailed) {
            try XChaCha20Poly1305.open(sealed, key: XChaCha20Poly1305.generateKey(), nonce: nonce, associatedData: [1])
        }
        #expect(throws: CryptographyError.authenticationFailed) {
            try XChaCha20Poly1305.open([1, 2, 3], key: key, nonce: nonce)
        }
        #expect(throws: CryptographyError.self) { try XChaCha20Poly1305.seal([1], key: key, nonce: [1, 2]) }
        #expect(throws: CryptographyError.self) {
            try XChaCha20Poly1305.seal([1], key: SecureBytes(copying: [1]), nonce: nonce)
        }
        let emptySealed = try XChaCha20Poly1305.seal([UInt8](), key: key, nonce: nonce)
        #expect(emptySealed.count == XChaCha20Poly1305.tagLength)
        #expect(try XChaCha20Poly1305.open(emptySealed, key: key, nonce: nonce).count == 0)
    }
}
