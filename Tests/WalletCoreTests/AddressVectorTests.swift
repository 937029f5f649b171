import Cryptography
import Testing
import TestSupport
import WalletCore

/// §15.4 additions to CryptographyTests' BIP-173 checks: every BIP-350 (bech32m) string is
/// rejected by the bech32 decoder, and the §7 address vector round-trips.
@Suite struct AddressVectorTests {
    struct Address: Decodable {
        let public_key_hex: String
        let sha256_20: String
        let address: String
        let blake2b_bech32: String
        let blake2b_bech32m: String
    }

    struct File: Decodable {
        let valid_bech32m: [String]
        let invalid_bech32m: [String]
        let address_spec_7: Address
    }

    static let file = try? WalletVectors.resource("bech32m", as: File.self)

    @Test func vectorFileLoads() {
        #expect(Self.file?.valid_bech32m.count == 7)
        #expect(Self.file?.invalid_bech32m.count == 14)
    }

    @Test(arguments: (file?.valid_bech32m ?? []) + (file?.invalid_bech32m ?? []))
    func bech32mStringsAreRejectedByTheBech32Decoder(text: String) {
        #expect(throws: CryptographyError.self) { try Bech32.decode(text) }
    }

    @Test func specAddressVectorRoundTrips() throws {
        let vector = try #require(Self.file?.address_spec_7)
        let key = try Ed25519.PublicKey(hex: vector.public_key_hex)
        #expect(key == (try Ed25519.PrivateKey(seedHex: KeystoreCipherTests.rfc8032Seed).publicKey))
        #expect(key.address.keyHash == bytes(hex: vector.sha256_20))
        #expect(key.address.description == vector.address)
        #expect(try AccountAddress(parsing: vector.address) == key.address)
        #expect(try AccountAddress(parsing: vector.address.uppercased()) == key.address)
        // The rejected alternative rule: a bech32 BLAKE2b address parses but is another
        // account; its bech32m spelling is not an address at all.
        #expect(try AccountAddress(parsing: vector.blake2b_bech32) != key.address)
        #expect(throws: CryptographyError.self) { try AccountAddress(parsing: vector.blake2b_bech32m) }
    }
}
