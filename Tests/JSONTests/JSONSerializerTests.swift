import JSON
import Testing

@Suite struct JSONSerializerTests {
    let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20))

    @Test func writesCompactTextInMemberOrder() throws {
        let value: JSONValue = ["b": [1, 2.5, "x", true, .null], "a": [:], "c": []]
        #expect(try JSONSerializer().string(value) == #"{"b":[1,2.5,"x",true,null],"a":{},"c":[]}"#)
    }

    @Test func sortsKeysByCodePointNotUTF16() throws {
        // U+FF01 sorts before U+1F600 by code point, after it in UTF-16 order.
        let value: JSONValue = ["\u{1F600}": 1, "\u{FF01}": 2, "~": 3, "\u{e9}": 4, "a": 5, "ab": 6]
        let text = try JSONSerializer(options: .sortedKeys).string(value)
        #expect(text == "{\"a\":5,\"ab\":6,\"~\":3,\"\u{e9}\":4,\"\u{FF01}\":2,\"\u{1F600}\":1}")
    }

    @Test func escapesForASCIIOnlyOutput() throws {
        let value: JSONValue = .string("\"\\/\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f}é😀<&")
        let text = try JSONSerializer(options: .asciiOnly).string(value)
        #expect(text == #""\"\\/\b\f\n\r\t\u0000\u001f\u007fé\ud83d\ude00<&""#.replacingE9())
    }

    @Test func keepsUTF8WithoutASCIIOnly() throws {
        let bytes = try JSONSerializer().serialize(.string("é\u{7f}"))
        #expect(bytes == [0x22, 0xC3, 0xA9, 0x7F, 0x22])
    }

    @Test func refusesNonFiniteFloats() {
        #expect(throws: JSONSerializationError.nonFiniteFloat) { try JSONSerializer().serialize([.float(.nan)]) }
        #expect(throws: JSONSerializationError.nonFiniteFloat) { try JSONSerializer().serialize(.float(.infinity)) }
    }

    @Test(arguments: [
        #"{"a":[1,2.0,-3,1e-05,"\u00e9\n"],"b":{"c":null,"d":true},"big":123456789012345678901234567890}"#,
        #"[]"#, #"{}"#, #""""#, #"-0.0"#, #"[[[]]]"#,
    ])
    func roundTripsThroughParser(text: String) throws {
        let value = try parser.parse(text)
        let written = try JSONSerializer().serialize(value)
        #expect(try parser.parse(written) == value)
        let ascii = try JSONSerializer(options: .asciiOnly).serialize(value)
        #expect(ascii.allSatisfy { $0 < 0x80 })
        #expect(try parser.parse(ascii) == value)
    }
}

extension String {
    /// The expected text above spells é as its escape; keeps the literal readable.
    fileprivate func replacingE9() -> String {
        var result = ""
        for scalar in unicodeScalars {
            if scalar == "\u{e9}" { result += "\\u00e9" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}
