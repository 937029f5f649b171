import JSON
import Testing

/// Property tests with a fixed, reported seed: random documents round-trip, and hostile
/// byte soup or truncated text is rejected with an error, never a crash.
@Suite struct JSONPropertyTests {
    static let seed: UInt64 = 0xA17B_C0DE
    let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20, maxDepth: 16))

    private static func randomValue(_ generator: inout SplitMix64, depth: Int) -> JSONValue {
        let choice = depth > 3 ? generator.next() % 5 : generator.next() % 7
        switch choice {
        case 0: return .null
        case 1: return .bool(generator.next() & 1 == 0)
        case 2: return .integer(JSONInteger(Int64(bitPattern: generator.next()) >> Int64(generator.next() % 60)))
        case 3:
            let value = Double(bitPattern: generator.next())
            return .float(value.isFinite ? value : 0.5)
        case 4:
            let pool: [Unicode.Scalar] = ["a", "\"", "\\", "\u{0}", "\u{1f}", "\u{7f}", "é", "\u{301}", "東", "😀", "\u{FFFF}", "/"]
            var text = ""
            for _ in 0..<(generator.next() % 8) { text.unicodeScalars.append(pool[Int(generator.next() % UInt64(pool.count))]) }
            return .string(text)
        case 5:
            return .array((0..<(generator.next() % 4)).map { _ in randomValue(&generator, depth: depth + 1) })
        default:
            var members: [JSONMember] = []
            for index in 0..<(generator.next() % 4) {
                members.append(JSONMember(key: "k\(index)\u{e9}", value: randomValue(&generator, depth: depth + 1)))
            }
            return .object(members)
        }
    }

    @Test func randomDocumentsRoundTrip() throws {
        var generator = SplitMix64(seed: JSONPropertyTests.seed)
        for _ in 0..<2_000 {
            let value = JSONPropertyTests.randomValue(&generator, depth: 0)
            for options in [JSONSerializer.Options(), .asciiOnly, .sortedKeys] {
                let text = try JSONSerializer(options: options).serialize(value)
                let parsed = try parser.parse(text)
                if options.contains(.sortedKeys) {
                    #expect(try JSONSerializer(options: .sortedKeys).serialize(parsed) == text, "seed \(JSONPropertyTests.seed)")
                } else {
                    #expect(parsed == value, "seed \(JSONPropertyTests.seed)")
                }
            }
        }
    }

    @Test func mutatedBytesNeverCrash() throws {
        var generator = SplitMix64(seed: JSONPropertyTests.seed)
        let base = Array(#"{"a":[1,2.5e3,-0,"x\u00e9\ud83d\ude00"],"b":{"c":true,"d":null},"e":"东"}"#.utf8)
        for _ in 0..<20_000 {
            var bytes = base
            for _ in 0..<(1 + generator.next() % 4) {
                let index = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: index)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            _ = try? parser.parse(bytes)  // either a value or a JSONParseError; reaching here is the property
        }
    }

    @Test func everyStrictPrefixIsRejected() throws {
        let text = Array(#"{"a":[1,2.5,"x\u00e9"],"b":{"c":true}}"#.utf8)
        _ = try parser.parse(text)
        for length in 0..<text.count {
            #expect(throws: JSONParseError.self) { try parser.parse(Array(text[0..<length])) }
        }
    }
}
