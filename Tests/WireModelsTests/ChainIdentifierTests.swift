import JSON
import Testing
import WireModels

/// Chain identifiers and transaction fields keep one canonical spelling whatever case they
/// arrive in, and lowercase input (what signers send) is kept as it came.
@Suite struct ChainIdentifierTests {
    static let address = "ait1tnwvryn2mz9mws75adzlr05ryf58kqudnyd4jc"

    @Test func aLowercaseAddressIsKeptAndTheUppercaseSpellingIsTheSameAddress() throws {
        let lower = try #require(Address(Self.address))
        #expect(lower.rawValue == Self.address)
        let upper = try #require(Address(Self.address.uppercased()))
        #expect(upper.rawValue == Self.address && upper == lower && upper.accountAddress == lower.accountAddress)
    }

    @Test func mixedCaseABadChecksumAndAnotherPrefixAreNotAddresses() {
        #expect(Address("ait1TNWVRYN2mz9mws75adzlr05ryf58kqudnyd4jc") == nil)
        #expect(Address(String(Self.address.dropLast()) + "d") == nil)
        #expect(Address("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4") == nil)
        #expect(Address("ait1" + String(repeating: "q", count: 38)) == nil)
    }

    @Test func transactionFieldsAreReadInAnyCaseAndKeptLowercase() throws {
        let key = String(repeating: "AB", count: 32)
        let sig = String(repeating: "cd", count: 64)
        let text = """
            {"type":"transfer","chain_id":"ait-test","sender":"\(Self.address.uppercased())","public_key":"\(key)","nonce":1,"fee":10,\
            "payload":{"to":"\(Self.address)","amount":5},"sig":"\(sig)"}
            """
        let message = try TransactionMessage(json: try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(text))
        #expect(message.type == .transfer)
        #expect(message.sender.rawValue == Self.address)
        #expect(message.publicKey == key.lowercased())
        #expect(message.sig == sig)
    }
}
