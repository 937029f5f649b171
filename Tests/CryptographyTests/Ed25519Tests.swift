import Cryptography
import Testing
import TestSupport

struct Ed25519Vector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let secret_key_hex: String
    let public_key_hex: String
    let message_hex: String
    let signature_hex: String
    var testDescription: String { name }
}

struct Ed25519VectorFile: Decodable { let cases: [Ed25519Vector] }

@Suite struct Ed25519Tests {
    static let vectors: [Ed25519Vector] = (try? VectorFile.load("ed25519_rfc8032", as: Ed25519VectorFile.self).cases) ?? []

    @Test func vectorFileLoads() {
        #expect(Ed25519Tests.vectors.count == 5)
    }

    /// RFC 8032 §7.1: seed → public key, deterministic signature, verification.
    @Test(arguments: vectors)
    func rfc8032KnownAnswer(vector: Ed25519Vector) throws {
        let key = try Ed25519.PrivateKey(seedHex: vector.secret_key_hex)
        #expect(key.publicKey.rawRepresentation == bytes(hex: vector.public_key_hex))
        let message = bytes(hex: vector.message_hex)
        let signature = key.signature(for: message)
        #expect(signature == bytes(hex: vector.signature_hex))
        #expect(key.publicKey.isValidSignature(signature, for: message))
        var tampered = message
        tampered.append(0)
        #expect(!key.publicKey.isValidSignature(signature, for: tampered))
    }

    /// RFC 8032 §5.1.7 requires rejecting S ≥ L; S + L verifies in lenient implementations.
    @Test func rejectsNonCanonicalS() throws {
        let vector = try #require(Ed25519Tests.vectors.first)
        let key = try Ed25519.PublicKey(hex: vector.public_key_hex)
        let signature = bytes(hex: vector.signature_hex)
        // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
        let order: [UInt8] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ]
        var sPlusL = Array(signature[32..<64])
        var carry: UInt16 = 0
        for index in 0..<32 {
            let sum = UInt16(sPlusL[index]) + UInt16(order[index]) + carry
            sPlusL[index] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        #expect(carry == 0)
        let malleated = Array(signature[0..<32]) + sPlusL
        #expect(malleated != signature)
        #expect(!key.isValidSignature(malleated, for: []))
        #expect(key.isValidSignature(signature, for: []))
    }

    @Test func rejectsWrongSizes() throws {
        #expect(throws: CryptographyError.invalidLength(what: "Ed25519 seed", expected: 32, actual: 31)) {
            try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: CryptographyError.self) { try Ed25519.PublicKey(rawRepresentation: [1, 2, 3]) }
        #expect(throws: CryptographyError.invalidHex(offset: 0)) { try Ed25519.PrivateKey(seedHex: "zz") }
        let key = Ed25519.PrivateKey.generate()
        #expect(!key.publicKey.isValidSignature([UInt8](repeating: 0, count: 63), for: [1]))
    }

    @Test func generatedKeysSignAndVerify() throws {
        let key = Ed25519.PrivateKey.generate()
        let other = Ed25519.PrivateKey.generate()
        #expect(key.publicKey != other.publicKey)
        let signature = key.signature(for: Array("hello".utf8))
        #expect(key.publicKey.isValidSignature(signature, for: Array("hello".utf8)))
        #expect(!other.publicKey.isValidSignature(signature, for: Array("hello".utf8)))
        let again = try key.seed.withUnsafeBytes { try Ed25519.PrivateKey(seedBytes: Array($0)) }
        #expect(again.publicKey == key.publicKey)
    }

    @Test func keyIDIsUnpaddedBase64URLOfThePublicKey() throws {
        // Values from the receipt vectors (sample_receipt_signed.json).
        let key = try Ed25519.PrivateKey(seedHex: "e2c35a46318ec09cf1cc04f06c4ba18bf2cd3f0ed318d986f01228bdbf9fd326")
        #expect(key.publicKey.hex == "4c9bc7d00f69924d1cdee40c3650a2bcbb37191de2d53d93b5f21b2d3d27dbd4")
        #expect(key.publicKey.keyID == "TJvH0A9pkk0c3uQMNlCivLs3GR3i1T2TtfIbLT0n29Q")
    }

    @Test func privateKeyDescriptionHidesTheSeed() throws {
        let key = try Ed25519.PrivateKey(seedHex: "e2c35a46318ec09cf1cc04f06c4ba18bf2cd3f0ed318d986f01228bdbf9fd326")
        var dumped = ""
        dump(key, to: &dumped)
        for text in [String(describing: key), String(reflecting: key), dumped] {
            #expect(!text.contains("e2c35a"))
        }
    }
}

@Suite struct Ed25519PointValidityTests {
    @Test func generatedKeysAreValidPoints() {
        for _ in 0..<8 { #expect(Ed25519.PrivateKey.generate().publicKey.isValidPoint) }
    }

    /// Keys no signer holds: small order (y = 0, the identity, y = p − 1) and y = p (non-canonical).
    @Test func smallOrderAndNonCanonicalKeysAreNot() throws {
        for hex in [
            String(repeating: "00", count: 32), "01" + String(repeating: "00", count: 31),
            "ec" + String(repeating: "ff", count: 30) + "7f", "ed" + String(repeating: "ff", count: 30) + "7f",
        ] {
            #expect(try !Ed25519.PublicKey(hex: hex).isValidPoint, "\(hex)")
        }
    }
}
