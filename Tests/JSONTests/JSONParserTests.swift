import JSON
import Testing

@Suite struct JSONParserTests {
    let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20))

    @Test func parsesScalarsAndKeepsIntegerFloatDistinction() throws {
        #expect(try parser.parse("1") == .integer(JSONInteger(1)))
        #expect(try parser.parse("1.0") == .float(1.0))
        #expect(try parser.parse("1.0") != parser.parse("1"))
        #expect(try parser.parse("1e2") == .float(100))
        #expect(try parser.parse("-0") == .integer(JSONInteger(0)))
        #expect(try parser.parse("-0.0").doubleValue?.sign == .minus)
        #expect(try parser.parse(" true ") == .bool(true))
        #expect(try parser.parse("false") == .bool(false))
        #expect(try parser.parse("null") == .null)
        #expect(try parser.parse("\"a\"") == .string("a"))
    }

    @Test func keepsBigIntegersExactly() throws {
        let value = try parser.parse("[12345678901234567890, -98765432109876543210123]")
        #expect(value.arrayValue?.first?.integerValue?.digits == "12345678901234567890")
        #expect(value.arrayValue?.last?.integerValue?.digits == "-98765432109876543210123")
        #expect(value.arrayValue?.first?.int64Value == nil)
    }

    @Test func keepsMemberOrderAndNestedStructure() throws {
        let value = try parser.parse(#"{"b": [1, {"c": null}], "a": {}}"#)
        #expect(value.objectValue?.map(\.key) == ["b", "a"])
        #expect(value == ["b": [1, ["c": .null]], "a": [:]])
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try parser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00""#)
        #expect(value.stringValue == "\"\\/\u{8}\u{c}\n\r\tAé😀")
    }

    @Test func keepsUnnormalizedTextAndDistinguishesEquivalentKeys() throws {
        // "é" (U+00E9) and "e" + U+0301 are canonically equivalent but different keys.
        let value = try parser.parse("{\"\u{e9}\": 1, \"e\u{301}\": 2}")
        #expect(value.objectValue?.count == 2)
        #expect(value["e\u{301}"] == .integer(JSONInteger(2)))
        #expect(value["\u{e9}"] == .integer(JSONInteger(1)))
        #expect(value.objectValue?.last?.key.unicodeScalars.count == 2)
    }

    @Test(arguments: [
        #"{"a": 1, "a": 2}"#,
        #"{"a": 1, "\u0061": 2}"#,
        #"{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k3":10}"#,
        #"[{"x": {"y": 1, "y": 1}}]"#,
    ])
    func rejectsDuplicateKeys(text: String) {
        #expect {
            try parser.parse(text)
        } throws: { error in
            if case .duplicateKey = error as? JSONParseError { return true }
            return false
        }
    }

    @Test(arguments: [
        "", " ", "01", "-01", "1.", ".5", "+1", "1e", "1e+", "-", "--1", "0x10", "NaN", "Infinity", "-Infinity",
        "[1,]", "{\"a\":1,}", "{'a':1}", "[1 2]", "{\"a\" 1}", "{1:1}", "tru", "nul", "[", "{", "\"abc",
        "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\u{1}b\"",
        "1 2", "// c\n1", "\u{feff}1", "[1]]", "\u{a0}1", "1e400", "-1e400",
    ])
    func rejectsNonConformingText(text: String) {
        #expect(throws: JSONParseError.self) { try parser.parse(text) }
    }

    @Test(arguments: [
        [0x22, 0xC0, 0x80, 0x22],  // overlong NUL
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // UTF-8-encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xFF, 0x22],
        [0x22, 0xE2, 0x82, 0x22],  // truncated sequence
        [0x22, 0x80, 0x22],  // lone continuation byte
    ] as [[UInt8]])
    func rejectsMalformedUTF8(bytes: [UInt8]) {
        #expect(throws: JSONParseError.invalidUTF8(offset: 1)) { try parser.parse(bytes) }
    }

    @Test func acceptsWellFormedMultiByteUTF8() throws {
        let text = "\"é東😀\""
        #expect(try parser.parse(Array(text.utf8)).stringValue == "é東😀")
    }

    @Test func reportsByteOffsets() {
        #expect(throws: JSONParseError.unexpectedByte(UInt8(ascii: "x"), offset: 6)) { try parser.parse("[1, 2,x]") }
        #expect(throws: JSONParseError.trailingData(offset: 2)) { try parser.parse("1 2") }
        #expect(throws: JSONParseError.duplicateKey("a", offset: 8)) { try parser.parse(#"{"a":1, "a":2}"#) }
        #expect(throws: JSONParseError.numberOutOfRange(offset: 1)) { try parser.parse("[1e999]") }
        #expect(throws: JSONParseError.controlCharacterInString(offset: 2)) { try parser.parse("\"a\nb\"") }
        #expect(throws: JSONParseError.unexpectedEnd(offset: 0)) { try parser.parse("") }
    }

    /// Issue #12: the message names the offending byte as people read it — the character when it
    /// is printable ASCII, else its hex value (never an invisible or partial character).
    @Test(arguments: [
        (#"{"payload":{},}"#, "unexpected '}' at byte 14"),
        ("[1,\n\u{01}]", "unexpected byte 0x01 at byte 4"),
        ("[1, é]", "unexpected byte 0xc3 at byte 4"),
        ("[tru]", "unexpected ']' at byte 4"),
    ])
    func unexpectedByteMessagesNameTheCharacter(text: String, message: String) {
        do {
            _ = try parser.parse(text)
            Issue.record("parsed \(text)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func enforcesDepthLimit() throws {
        let limited = JSONParser(limits: .init(maxInputBytes: 1 << 20, maxDepth: 64))
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try limited.parse(ok)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.depthLimitExceeded(limit: 64, offset: 64)) { try limited.parse(deep) }
        let deepObjects = String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(throws: JSONParseError.self) { try limited.parse(deepObjects) }
        // A hostile nesting far beyond the limit stops at the limit, without recursing further.
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.depthLimitExceeded(limit: 64, offset: 64)) { try limited.parse(hostile) }
    }

    @Test func enforcesInputSizeLimit() throws {
        let small = JSONParser(limits: .init(maxInputBytes: 8))
        _ = try small.parse("[1,2,3]")
        #expect(throws: JSONParseError.inputTooLarge(limit: 8)) { try small.parse("[1,2,3,4]") }
    }

    @Test func tinyFloatsUnderflowToZeroLikeOtherParsers() throws {
        #expect(try parser.parse("1e-400") == .float(0))
    }

    @Test func manyMembersStayLinearAndUnique() throws {
        let members = (0..<5_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let value = try parser.parse("{" + members + "}")
        #expect(value.objectValue?.count == 5_000)
        #expect(value["k4999"] == .integer(JSONInteger(4999)))
    }
}
