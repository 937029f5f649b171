import Foundation
import Testing
import WalletCore

@Suite struct StrictBase64Tests {
    /// RFC 4648 §10 test vectors.
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
                      ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(plain: String, encoded: String) throws {
        #expect(StrictBase64.encode(Array(plain.utf8)) == encoded)
        #expect(try StrictBase64.decode(encoded) == Array(plain.utf8))
        #expect(hex(try StrictBase64.decodeSecure(encoded)) == Array(plain.utf8).map { String(format: "%02x", $0) }.joined())
    }

    @Test func usesTheStandardAlphabet() throws {
        #expect(StrictBase64.encode([0xFB, 0xFF]) == "+/8=")
        #expect(try StrictBase64.decode("+/8=") == [0xFB, 0xFF])
    }

    /// The reference dropped non-alphabet characters silently (§14.8); every one is refused here.
    @Test(arguments: [
        ("Zm9v\n", 5), ("Zm 9v", 5), (" Zm9v", 5), ("Zm9", 3), ("Zg", 2), ("Zg=", 3), ("-_8=", 0), ("Zm9v!A==", 4),
        ("Zg==Zm9v", 2), ("Z===", 1), ("Zm=v", 2), ("Zh==", 1), ("Zm9=", 2), ("=Zm9", 0), ("Zm9v\u{00e9}==", 4),
    ])
    func rejectsEverythingButCanonicalPaddedBase64(text: String, offset: Int) {
        #expect(throws: WalletCoreError.invalidBase64(offset: offset)) { try StrictBase64.decode(text) }
        #expect(throws: WalletCoreError.self) { try StrictBase64.decodeSecure(text) }
    }

    @Test func roundTripsEveryLength() throws {
        for length in 0..<70 {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(try StrictBase64.decode(StrictBase64.encode(input)) == input)
        }
    }
}
