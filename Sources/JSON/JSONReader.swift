/// The recursive-descent core of `JSONParser`: one pass over a byte buffer, one index.
///
/// Every read of `bytes[index]` is preceded by a bounds check; nothing in the input can
/// make it trap.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// RFC 8259 §2: `JSON-text = ws value ws`.
    mutating func readDocument() throws(JSONParseError) -> JSONValue {
        let value = try readValue()
        skipWhitespace()
        guard index == bytes.count else { throw .trailingData(offset: index) }
        return value
    }

    mutating func readValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw .unexpectedEnd(offset: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try readObject()
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        case let byte: throw .unexpectedByte(byte, offset: index)
        }
    }

    /// RFC 8259 §2: space, horizontal tab, line feed, carriage return — nothing else.
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for offset in 0..<count {
            guard index < bytes.count else { throw .unexpectedEnd(offset: index) }
            guard bytes[index] == start[offset] else { throw .unexpectedByte(bytes[index], offset: index) }
            index += 1
        }
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw .depthLimitExceeded(limit: maxDepth, offset: index) }
    }

    private mutating func readArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        index += 1  // "["
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try readValue())
            skipWhitespace()
            guard index < bytes.count else { throw .unexpectedEnd(offset: index) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            case let byte: throw .unexpectedByte(byte, offset: index)
            }
        }
    }

    private mutating func readObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        index += 1  // "{"
        var members: [JSONMember] = []
        var keyIndex = DuplicateKeyIndex()
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw .unexpectedEnd(offset: index) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw .unexpectedByte(bytes[index], offset: index) }
            let keyOffset = index
            let key = try readString()
            guard keyIndex.insert(key, existing: members) else { throw .duplicateKey(key, offset: keyOffset) }
            skipWhitespace()
            guard index < bytes.count else { throw .unexpectedEnd(offset: index) }
            guard bytes[index] == UInt8(ascii: ":") else { throw .unexpectedByte(bytes[index], offset: index) }
            index += 1
            let value = try readValue()
            members.append(JSONMember(key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw .unexpectedEnd(offset: index) }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(members)
            case let byte: throw .unexpectedByte(byte, offset: index)
            }
        }
    }

    /// RFC 8259 §6: `number = [ minus ] int [ frac ] [ exp ]`. A literal with `frac` or `exp`
    /// is a float; anything else an exact integer.
    private mutating func readNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw .unexpectedEnd(offset: index) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if JSONInteger.isDigit(bytes[index]) {
            skipDigits()
        } else {
            throw .invalidNumber(offset: start)
        }
        var isFloat = false
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            isFloat = true
            index += 1
            guard index < bytes.count, JSONInteger.isDigit(bytes[index]) else { throw .invalidNumber(offset: start) }
            skipDigits()
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            isFloat = true
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            guard index < bytes.count, JSONInteger.isDigit(bytes[index]) else { throw .invalidNumber(offset: start) }
            skipDigits()
        }
        let literal = UnsafeBufferPointer(rebasing: bytes[start..<index])
        guard isFloat else { return .integer(JSONInteger(validatedLiteral: literal)) }
        // Swift's Double(String) rounds correctly to nearest; the grammar was checked above, so
        // the hex/inf/nan forms it would also accept cannot reach it.
        guard let value = Double(String(decoding: literal, as: UTF8.self)), value.isFinite else {
            throw .numberOutOfRange(offset: start)
        }
        return .float(value)
    }

    private mutating func skipDigits() {
        while index < bytes.count && JSONInteger.isDigit(bytes[index]) { index += 1 }
    }
}

/// Finds repeated object keys by exact scalars: a linear scan for small objects, a hash set
/// once an object grows, so a hostile object with many members stays linear.
private struct DuplicateKeyIndex {
    private static let linearLimit = 8
    private var seen: Set<ExactKey>?

    /// Returns false when `key` already occurs in `existing`.
    mutating func insert(_ key: String, existing: [JSONMember]) -> Bool {
        if seen == nil {
            if existing.count < DuplicateKeyIndex.linearLimit {
                return !existing.contains { $0.key.hasSameUTF8(as: key) }
            }
            seen = Set(existing.map { ExactKey(text: $0.key) })
        }
        return seen?.insert(ExactKey(text: key)).inserted ?? true
    }
}

/// A string key hashed and compared by its UTF-8 bytes, i.e. by exact Unicode scalars.
private struct ExactKey: Hashable {
    let text: String

    static func == (lhs: ExactKey, rhs: ExactKey) -> Bool { lhs.text.hasSameUTF8(as: rhs.text) }

    func hash(into hasher: inout Hasher) {
        for byte in text.utf8 { hasher.combine(byte) }
    }
}
