import Cryptography
import Testing

struct Bech32InvalidVector: Decodable, Sendable, CustomTestStringConvertible {
    let text: String
    let reason: String
    var testDescription: String { reason }
}

struct AddressVector: Decodable, Sendable {
    let public_key_hex: String
    let address: String
}

struct Bech32VectorFile: Decodable {
    let valid: [String]
    let invalid: [Bech32InvalidVector]
    let addresses: [AddressVector]
}

@Suite struct HexTests {
    @Test func encodesLowercase() {
        #expect(Hex.encode([0x00, 0xAB, 0xFF, 0x10]) == "00abff10")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test func decodesBothCases() throws {
        #expect(try Hex.decode("00abFF10") == [0x00, 0xAB, 0xFF, 0x10])
        #expect(try Hex.decode("") == [])
    }

    @Test(arguments: [("abc", 3), ("0x12", 1), ("12 3", 2), ("g0", 0), ("１２", 0), ("12\n", 2)])
    func rejectsNonHex(text: String, offset: Int) {
        #expect(throws: CryptographyError.self) { try Hex.decode(text) }
    }

    @Test func checksLengthAndDecodesSecrets() throws {
        #expect(throws: CryptographyError.invalidLength(what: "hex value", expected: 2, actual: 1)) {
            try Hex.decode("ab", length: 2)
        }
        let secret = try Hex.decodeSecure("0102ff")
        #expect(secret.withUnsafeBytes { Array($0) } == [1, 2, 255])
        #expect(throws: CryptographyError.invalidHex(offset: 2)) { try Hex.decodeSecure("01x2") }
        #expect(throws: CryptographyError.invalidHex(offset: 3)) { try Hex.decodeSecure("012") }
    }
}

@Suite struct Base64URLTests {
    /// RFC 4648 §10 vectors, unpadded and in the URL alphabet.
    @Test(arguments: [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"),
                      ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(plain: String, encoded: String) throws {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(try Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test func usesURLAlphabet() throws {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(try Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test(arguments: [
        "Zg==", "Zg=", "+/+/", "Zm9v\n", "Zm 9v", "Z", "Zm9vY", "Zh", "Zm9", "Zm8=", "Zm9vYmF",
    ])
    func rejectsNonCanonicalText(text: String) {
        // "Zh" and "Zm9" differ from "Zg"/"Zm8" only in unused bits; "Zm9vYmF" likewise.
        #expect(throws: CryptographyError.self) { try Base64URL.decode(text) }
    }

    @Test func roundTripsRandomBytes() throws {
        for length in 0..<70 {
            let data = SecureRandom.bytes(count: length)
            #expect(try Base64URL.decode(Base64URL.encode(data)) == data)
        }
    }
}

@Suite struct Bech32Tests {
    static let file = try? VectorFile.load("bech32", as: Bech32VectorFile.self)

    @Test func vectorFileLoads() {
        #expect(Bech32Tests.file?.valid.count == 7)
        #expect(Bech32Tests.file?.invalid.count == 12)
    }

    /// BIP-173 valid strings decode, and re-encode to the same (lowercased) text.
    @Test(arguments: file?.valid ?? [])
    func acceptsValidStrings(text: String) throws {
        let (hrp, data) = try Bech32.decode(text)
        #expect(try Bech32.encode(hrp: hrp, data: data) == text.lowercased())
    }

    @Test(arguments: file?.invalid ?? [])
    func rejectsInvalidStrings(vector: Bech32InvalidVector) {
        #expect(throws: CryptographyError.self) { try Bech32.decode(vector.text) }
    }

    @Test func decodesDataValues() throws {
        let (hrp, data) = try Bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")
        #expect(hrp == "abcdef")
        #expect(data == Array(0..<32))
    }

    @Test func rejectsMixedCase() {
        #expect(throws: CryptographyError.self) { try Bech32.decode("a12UEL5L") }
        #expect(throws: CryptographyError.self) { try Bech32.decode("A12uEL5L") }
    }

    @Test func convertBitsRejectsBadPadding() throws {
        #expect(try Bech32.convertBits([0xFF], from: 8, to: 5, pad: true) == [31, 28])
        #expect(try Bech32.convertBits([31, 28], from: 5, to: 8, pad: false) == [0xFF])
        // Leftover bits must be zero: 11111 11101 leaves "01".
        #expect(throws: CryptographyError.self) { try Bech32.convertBits([31, 29], from: 5, to: 8, pad: false) }
        // And fewer than 5 of them: three values leave 7 bits.
        #expect(throws: CryptographyError.self) { try Bech32.convertBits([0, 0, 0], from: 5, to: 8, pad: false) }
    }
}

@Suite struct AccountAddressTests {
    @Test(arguments: Bech32Tests.file?.addresses.map { ($0.public_key_hex, $0.address) } ?? [])
    func addressOfPublicKey(publicKeyHex: String, address: String) throws {
        let key = try Ed25519.PublicKey(hex: publicKeyHex)
        #expect(key.address.description == address)
        #expect(address.hasPrefix("ait1") && address.utf8.count == 42)
        let parsed = try AccountAddress(parsing: address)
        #expect(parsed == key.address)
        #expect(try AccountAddress(parsing: address.uppercased()) == key.address)
    }

    @Test func rejectsOtherPrefixesAndCorruption() throws {
        let address = Ed25519.PrivateKey.generate().publicKey.address.description
        var corrupted = Array(address.utf8)
        corrupted[10] = corrupted[10] == UInt8(ascii: "q") ? UInt8(ascii: "p") : UInt8(ascii: "q")
        #expect(throws: CryptographyError.self) { try AccountAddress(parsing: String(decoding: corrupted, as: UTF8.self)) }
        let foreign = try Bech32.encode(hrp: "bc", data: Bech32.convertBits([UInt8](repeating: 7, count: 20), from: 8, to: 5, pad: true))
        #expect(throws: CryptographyError.self) { try AccountAddress(parsing: foreign) }
        let short = try Bech32.encode(hrp: "ait", data: Bech32.convertBits([UInt8](repeating: 7, count: 19), from: 8, to: 5, pad: true))
        #expect(throws: CryptographyError.self) { try AccountAddress(parsing: short) }
    }
}

@Suite struct SecretHandlingTests {
    @Test func secureBytesNeverPrintContents() {
        let secret = SecureBytes(copying: Array("topsecret".utf8))
        var dumped = ""
        dump(secret, to: &dumped)
        for text in [String(describing: secret), String(reflecting: secret), "\(secret)", dumped] {
            #expect(!text.contains("topsecret"))
            #expect(!text.contains("116"))  // "t" in decimal
        }
        #expect(secret.count == 9)
    }

    @Test func secureBytesCompareInConstantTime() {
        #expect(SecureBytes(copying: [1, 2, 3]) == SecureBytes(copying: [1, 2, 3]))
        #expect(SecureBytes(copying: [1, 2, 3]) != SecureBytes(copying: [1, 2, 4]))
        #expect(SecureBytes(copying: [1, 2]) != SecureBytes(copying: [1, 2, 3]))
        #expect(SecureBytes(copying: []) == SecureBytes(copying: []))
    }

    @Test func constantTimeEquals() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 0]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals([], []))
    }

    @Test func randomBytesDiffer() {
        #expect(SecureRandom.bytes(count: 32) != SecureRandom.bytes(count: 32))
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        #expect(SecureBytes.random(count: 32) != SecureBytes.random(count: 32))
        #expect(SecureRandom.uniform(below: 10) < 10)
        var generator = SodiumRandomNumberGenerator()
        #expect(generator.next() != generator.next())
    }
}
