import Cryptography
import JSON
import Receipts
import Testing

@Suite struct CanonicalJSONTests {
    let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20))

    @Test func allVectorFilesLoad() {
        #expect(ReceiptVectors.positives.count == 7)
        #expect(ReceiptVectors.negatives.count == 24)
    }

    /// Every positive vector's `canonical` is reproduced byte for byte.
    @Test(arguments: ReceiptVectors.positives)
    func reproducesCanonicalText(vector: PositiveVector) throws {
        let receipt = try Receipt(json: vector.payload)
        #expect(try receipt.canonicalText() == vector.string("canonical"))
        #expect(try receipt.canonicalBytes().allSatisfy { $0 < 0x80 })
    }

    @Test func dropsOnlyTopLevelSignatureAndAttestations() throws {
        let receipt = try Receipt(json: parser.parse(
            #"{"b":1,"signature":{"x":1},"attestations":[1],"m":{"signature":2,"attestations":[null,3]}}"#))
        #expect(try receipt.canonicalText() == #"{"b":1,"m":{"attestations":[3],"signature":2}}"#)
    }

    @Test func dropsNullsRecursivelyAndKeepsFalsyValues() throws {
        let value = try parser.parse(#"{"a":null,"b":[null,{"c":null,"d":[null]},0,0.0,false,"",{},[]]}"#)
        #expect(String(decoding: try CanonicalJSON.bytes(of: value), as: UTF8.self)
            == #"{"b":[{"d":[]},0,0.0,false,"",{},[]]}"#)
    }

    @Test func sortsByCodePointAndKeepsEquivalentKeysApart() throws {
        let value = try parser.parse("{\"\u{1F600}\":1,\"\u{FF01}\":2,\"e\u{301}\":3,\"\u{e9}\":4,\"~\":5}")
        let text = String(decoding: try CanonicalJSON.bytes(of: value), as: UTF8.self)
        #expect(text == #"{"e\u0301":3,"~":5,"\u00e9":4,"\uff01":2,"\ud83d\ude00":1}"#)
    }

    @Test func escapesControlsAndDelete() throws {
        let value = JSONValue.string("\u{0}\u{1f}\u{7f}\u{8}\u{c}\n\r\t\"\\/<&")
        #expect(String(decoding: try CanonicalJSON.bytes(of: value), as: UTF8.self)
            == #""\u0000\u001f\u007f\b\f\n\r\t\"\\/<&""#)
    }

    /// spec §3 number examples.
    @Test(arguments: [
        ("1", "1"), ("-0", "0"), ("12345678901234567890", "12345678901234567890"), ("1.0", "1.0"), ("1e2", "100.0"),
        ("1.50", "1.5"), ("0.0001", "0.0001"), ("0.00001", "1e-05"), ("1e-7", "1e-07"), ("2.5e-10", "2.5e-10"),
        ("1e15", "1000000000000000.0"), ("9.5e15", "9500000000000000.0"), ("1e16", "1e+16"),
        ("123456789012345678.0", "1.2345678901234568e+17"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("5e-324", "5e-324"), ("0.30000000000000004", "0.30000000000000004"),
        ("123456789.123456789", "123456789.12345679"), ("-0.0", "-0.0"), ("0.0", "0.0"), ("-2.5e-10", "-2.5e-10"),
    ])
    func formatsNumbers(literal: String, expected: String) throws {
        #expect(String(decoding: try CanonicalJSON.bytes(of: parser.parse(literal)), as: UTF8.self) == expected)
    }

    @Test func refusesNonFiniteNumbers() {
        #expect(throws: ReceiptError.nonFiniteNumber) { try CanonicalJSON.bytes(of: ["a": .float(.infinity)]) }
        #expect(throws: ReceiptError.self) { try Receipt(parsing: Array(#"{"units":1e400}"#.utf8)) }
        #expect(throws: ReceiptError.self) { try Receipt(parsing: Array(#"{"units":NaN}"#.utf8)) }
    }

    @Test func rejectsDuplicateKeysAndNonObjects() {
        #expect(throws: ReceiptError.self) { try Receipt(parsing: Array(#"{"units":1,"units":2}"#.utf8)) }
        #expect(throws: ReceiptError.notAnObject) { try Receipt(parsing: Array("[1]".utf8)) }
        #expect(throws: ReceiptError.self) { try Receipt(parsing: Array("{}".utf8), maxBytes: 1) }
    }

    @Test func receiptHashIsSHA256OfCanonicalBytes() throws {
        let vector = try #require(ReceiptVectors.positives.first)
        let receipt = try Receipt(json: vector.payload)
        #expect(try receipt.receiptHash() == SHA256.hash(Array(vector.string("canonical").utf8)))
        #expect(try receipt.receiptHashHex().utf8.count == 64)
    }
}
