/// An ordered list of header fields with case-insensitive lookup (RFC 9110 §5.1).
///
/// Order is kept because it matters for repeated fields (RFC 9110 §5.3).
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// One field line.
    public struct Field: Sendable, Equatable {
        /// The field name as sent.
        public var name: String
        /// The field value with surrounding whitespace removed.
        public var value: String

        /// Builds a field line.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    @usableFromInline var fields: [Field]

    /// An empty list.
    public init() { fields = [] }

    /// A list from name/value pairs, in order.
    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// A list from a literal, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The number of field lines.
    public var count: Int { fields.count }

    /// Whether there are no field lines.
    public var isEmpty: Bool { fields.isEmpty }

    /// Appends a field line, keeping any existing ones of the same name.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field of that name by one line (appended if absent).
    public mutating func replaceOrAdd(name: String, value: String) {
        if let first = fields.firstIndex(where: { Self.equalsIgnoringCase($0.name, name) }) {
            fields[first].value = value
            var index = fields.count - 1
            while index > first {
                if Self.equalsIgnoringCase(fields[index].name, name) { fields.remove(at: index) }
                index -= 1
            }
        } else {
            fields.append(Field(name: name, value: value))
        }
    }

    /// Removes every field of that name.
    public mutating func remove(name: String) {
        fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    /// The first value of that name, if any.
    public subscript(name: String) -> String? {
        for field in fields where Self.equalsIgnoringCase(field.name, name) { return field.value }
        return nil
    }

    /// Every value of that name, in order.
    public func values(for name: String) -> [String] {
        fields.compactMap { Self.equalsIgnoringCase($0.name, name) ? $0.value : nil }
    }

    /// Whether a field of that name exists.
    public func contains(_ name: String) -> Bool {
        fields.contains { Self.equalsIgnoringCase($0.name, name) }
    }

    /// Whether a comma-separated field of that name holds the token, ignoring case (RFC 9110 §5.6.1).
    public func containsToken(_ token: String, in name: String) -> Bool {
        for field in fields where Self.equalsIgnoringCase(field.name, name) {
            for part in field.value.split(separator: ",") {
                let trimmed = part.trimmingHTTPWhitespace()
                if Self.equalsIgnoringCase(trimmed, token) { return true }
            }
        }
        return false
    }

    /// Iterates field lines in order.
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// ASCII case-insensitive comparison; field names are ASCII tokens.
    @inlinable
    public static func equalsIgnoringCase<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        let lhs = a.utf8
        let rhs = b.utf8
        guard lhs.count == rhs.count else { return false }
        for (x, y) in zip(lhs, rhs) where x != y {
            guard (x | 0x20) == (y | 0x20), (x | 0x20) >= 0x61, (x | 0x20) <= 0x7A else { return false }
        }
        return true
    }
}

extension StringProtocol {
    /// The text without leading and trailing SP/HTAB (OWS, RFC 9110 §5.6.3).
    func trimmingHTTPWhitespace() -> Substring {
        let string = Substring(self)
        var start = string.startIndex
        var end = string.endIndex
        while start < end, string[start] == " " || string[start] == "\t" { start = string.index(after: start) }
        while end > start {
            let before = string.index(before: end)
            guard string[before] == " " || string[before] == "\t" else { break }
            end = before
        }
        return string[start..<end]
    }
}
