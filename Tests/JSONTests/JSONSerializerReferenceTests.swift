@testable import JSON
import Testing

/// The one-pass serializer (run copying with an 8-byte plain-byte test, index-buffer sorting,
/// nulls skipped while writing, floats appended directly) against a deliberately naive
/// reference: copy the tree without nulls, sort copied members by `utf8`, walk strings scalar
/// by scalar. Fixed, reported seed.
@Suite struct JSONSerializerReferenceTests {
    static let seed: UInt64 = 0x5EED_0F_CA_11

    /// The naive writer; `JSONFloatText.format` is checked against Python separately.
    private static func reference(_ value: JSONValue, _ options: JSONSerializer.Options) -> [UInt8]? {
        var out: [UInt8] = []
        guard write(options.contains(.omittingNulls) ? droppingNulls(value) : value, options, into: &out) else { return nil }
        return out
    }

    private static func droppingNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): return .array(elements.filter { !$0.isNull }.map(droppingNulls))
        case .object(let members):
            return .object(members.filter { !$0.value.isNull }.map { JSONMember(key: $0.key, value: droppingNulls($0.value)) })
        default: return value
        }
    }

    private static func write(_ value: JSONValue, _ options: JSONSerializer.Options, into out: inout [UInt8]) -> Bool {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .integer(let integer): out += Array(integer.digits.utf8)
        case .float(let number):
            guard let text = JSONFloatText.format(number) else { return false }
            out += Array(text.utf8)
        case .string(let text): writeString(text, options, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                guard write(element, options, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            let ordered = options.contains(.sortedKeys) ? members.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) } : members
            out.append(UInt8(ascii: "{"))
            for (position, member) in ordered.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, options, into: &out)
                out.append(UInt8(ascii: ":"))
                guard write(member.value, options, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "}"))
        }
        return true
    }

    private static func escape(_ unit: UInt16) -> [UInt8] {
        let hex = String(unit, radix: 16)
        return Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
    }

    private static func writeString(_ text: String, _ options: JSONSerializer.Options, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20: out += escape(UInt16(scalar.value))
            case 0x20..<0x7F: out.append(UInt8(scalar.value))
            default:
                if options.contains(.asciiOnly) {
                    for unit in String(scalar).utf16 { out += escape(unit) }
                } else {
                    out += Array(String(scalar).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let pool: [Unicode.Scalar] = [
        "a", "Z", " ", "~", "\"", "\\", "/", "\u{0}", "\u{8}", "\u{1f}", "\n", "\u{7f}", "\u{80}", "é", "\u{301}",
        "東", "😀", "\u{FFFF}", "\u{10FFFF}", "\u{7FF}", "\u{800}",
    ]

    private static func randomString(_ generator: inout SplitMix64) -> String {
        var text = ""
        // Lengths past 8 and 16 exercise the 8-byte plain test and the runs around escapes.
        let plainBias = generator.next() % 2 == 0
        for _ in 0..<(generator.next() % 40) {
            if plainBias && generator.next() % 4 != 0 {
                text.unicodeScalars.append(Unicode.Scalar(UInt8(0x20 + generator.next() % 0x5F)))
            } else {
                text.unicodeScalars.append(pool[Int(generator.next() % UInt64(pool.count))])
            }
        }
        return text
    }

    private static func randomValue(_ generator: inout SplitMix64, depth: Int) -> JSONValue {
        switch depth > 3 ? generator.next() % 5 : generator.next() % 7 {
        case 0: return .null
        case 1: return .bool(generator.next() & 1 == 0)
        case 2: return .integer(JSONInteger(Int64(bitPattern: generator.next()) >> Int64(generator.next() % 60)))
        case 3:
            let value = Double(bitPattern: generator.next())
            let scaled = Double(generator.next() % 2_000_000) / 1000 - 1000  // the fixed-notation range
            return .float(generator.next() % 2 == 0 ? scaled : (value.isFinite ? value : 0.25))
        case 4: return .string(randomString(&generator))
        case 5: return .array((0..<(generator.next() % 5)).map { _ in randomValue(&generator, depth: depth + 1) })
        default:
            // Sometimes more members than the insertion-sort limit, and sometimes duplicate keys.
            let count = generator.next() % 8 == 0 ? 33 + generator.next() % 40 : generator.next() % 6
            var members: [JSONMember] = []
            for _ in 0..<count {
                let key = generator.next() % 5 == 0 ? "dup" : randomString(&generator)
                members.append(JSONMember(key: key, value: randomValue(&generator, depth: depth + 1)))
            }
            return .object(members)
        }
    }

    @Test func matchesNaiveReferenceForEveryOptionSet() throws {
        var generator = SplitMix64(seed: JSONSerializerReferenceTests.seed)
        for _ in 0..<1_500 {
            let value = JSONSerializerReferenceTests.randomValue(&generator, depth: 0)
            for raw in 0..<8 {
                let options = JSONSerializer.Options(rawValue: raw)
                let expected = try #require(JSONSerializerReferenceTests.reference(value, options))
                #expect(try JSONSerializer(options: options).serialize(value) == expected, "seed \(JSONSerializerReferenceTests.seed)")
            }
        }
    }

    @Test func serializeObjectOmitsOnlyTopLevelKeys() throws {
        let members = [
            JSONMember(key: "b", value: 1), JSONMember(key: "skip", value: ["skip": 2, "n": .null]),
            JSONMember(key: "a", value: .null), JSONMember(key: "c", value: ["skip": 3]),
        ]
        let serializer = JSONSerializer(options: [.sortedKeys, .omittingNulls])
        let bytes = try serializer.serializeObject(members) { $0 == "skip" }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"b":1,"c":{"skip":3}}"#)
        #expect(throws: JSONSerializationError.nonFiniteFloat) {
            try serializer.serializeObject([JSONMember(key: "x", value: .float(.nan))]) { _ in false }
        }
    }

    @Test func omittingNullsKeepsTopLevelNullAndEmptyValues() throws {
        let serializer = JSONSerializer(options: .omittingNulls)
        #expect(try serializer.string(.null) == "null")
        #expect(try serializer.string([.null, [:], [], "", 0, false, .null]) == #"[{},[],"",0,false]"#)
    }

    /// `append` takes `description` as is where it has no exponent; the digit-by-digit
    /// layout (`shortestDigits` + `layout`) must give the same text everywhere, most of all
    /// around the fixed/scientific boundaries 1e-4 and 1e16.
    @Test func fastPathMatchesDigitLayout() {
        var generator = SplitMix64(seed: JSONSerializerReferenceTests.seed)
        for index in 0..<60_000 {
            let value: Double
            if index % 3 == 0 {
                value = Double(bitPattern: generator.next())
            } else {
                // Random digits scaled across 1e-6 … 1e18, both signs.
                let exponent = Int(generator.next() % 25) - 6
                let mantissa = Double(generator.next() % 10_000_000_000_000_000) / 1e16
                value = (generator.next() % 2 == 0 ? 1 : -1) * mantissa * pow10(exponent)
            }
            guard value.isFinite, value != 0 else { continue }
            var out: [UInt8] = [0x41]
            #expect(JSONFloatText.append(value, to: &out))
            let (digits, exponent) = JSONFloatText.shortestDigits(value.magnitude)
            let expected = (value.sign == .minus ? "-" : "") + JSONFloatText.layout(digits: digits, exponent: exponent)
            #expect(out == [0x41] + Array(expected.utf8), "\(value)")
        }
        var out: [UInt8] = []
        #expect(!JSONFloatText.append(.nan, to: &out) && !JSONFloatText.append(-.infinity, to: &out) && out.isEmpty)
    }

    private func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}
