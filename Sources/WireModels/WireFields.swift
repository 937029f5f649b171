public import JSON

/// The decoding rules every message shares, written once: integers coerced as leniently as the
/// reference (`"900"` and `900.0` are 900, `1.5` is refused), strings, objects, required and
/// unknown members. Each error names the field.
public enum WireFields {
    /// `value` when it is an object.
    /// - Throws: `WireDecodingError` `<document>: must be a JSON object`.
    public static func document(_ value: JSONValue, _ document: WireDocument) throws(WireDecodingError) -> JSONValue {
        guard case .object = value else { throw WireDecodingError(field: document.name, reason: "must be a JSON object") }
        return value
    }

    /// Refuses members of `body` that are neither `known` nor the `document`'s envelope.
    /// - Throws: `WireDecodingError` with `.unknownMembers`, naming every member the document accepts.
    public static func refuseUnknown(_ body: JSONValue, known: [String], in document: WireDocument) throws(WireDecodingError) {
        let accepted = document.envelope + known
        let unknown = (body.objectValue ?? []).map(\.key).filter { !accepted.contains($0) }
        guard !unknown.isEmpty else { return }
        throw WireDecodingError(field: document.name, problem: .unknownMembers(unknown, known: accepted, inDocument: true))
    }

    /// A present, non-null member.
    public static func member(_ body: JSONValue, _ key: String) -> JSONValue? {
        guard let value = body[key], !value.isNull else { return nil }
        return value
    }

    /// A present, non-null member.
    /// - Throws: `WireDecodingError` `<key>: field required`.
    public static func required(_ body: JSONValue, _ key: String) throws(WireDecodingError) -> JSONValue {
        guard let value = member(body, key) else { throw WireDecodingError(field: key, reason: "field required") }
        return value
    }

    /// An integer: integer literals, integral floats and decimal strings are accepted.
    /// - Throws: `WireDecodingError` `<field>: must be an integer`.
    public static func integer(_ value: JSONValue, field: String) throws(WireDecodingError) -> Int {
        switch value {
        case .integer(let integer):
            if let int = integer.intValue { return int }
        case .float(let number):
            if number.isFinite, number == number.rounded(), abs(number) < 9.0e15 { return Int(number) }
        case .string(let text):
            if let int = Int(trimmed(text)) { return int }
        default:
            break
        }
        throw WireDecodingError(field: field, reason: "must be an integer")
    }

    /// A finite number (integers included).
    /// - Throws: `WireDecodingError` `<field>: must be a number`.
    public static func number(_ value: JSONValue, field: String) throws(WireDecodingError) -> Double {
        guard let number = value.doubleValue, number.isFinite else { throw WireDecodingError(field: field, reason: "must be a number") }
        return number
    }

    /// A string.
    /// - Throws: `WireDecodingError` `<field>: must be a string`.
    public static func string(_ value: JSONValue, field: String) throws(WireDecodingError) -> String {
        guard let text = value.stringValue else { throw WireDecodingError(field: field, reason: "must be a string") }
        return text
    }

    /// An object.
    /// - Throws: `WireDecodingError` `<field>: must be an object`.
    public static func object(_ value: JSONValue, field: String) throws(WireDecodingError) -> JSONValue {
        guard case .object = value else { throw WireDecodingError(field: field, reason: "must be an object") }
        return value
    }

    /// An array.
    /// - Throws: `WireDecodingError` `<field>: must be an array`.
    public static func array(_ value: JSONValue, field: String) throws(WireDecodingError) -> [JSONValue] {
        guard let items = value.arrayValue else { throw WireDecodingError(field: field, reason: "must be an array") }
        return items
    }

    /// The optional member `key` read by `read`.
    /// - Throws: what `read` throws.
    public static func optional<Value>(
        _ body: JSONValue, _ key: String, _ read: (JSONValue, String) throws(WireDecodingError) -> Value
    ) throws(WireDecodingError) -> Value? {
        guard let value = member(body, key) else { return nil }
        return try read(value, key)
    }

    /// `text` without leading and trailing ASCII whitespace.
    static func trimmed(_ text: String) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return text[first...last]
    }
}

extension JSONValue {
    /// An object from ordered pairs (wire member order).
    static func members(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.0, value: $0.1) })
    }

    /// A string, or null.
    static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }

    /// An integer.
    static func int(_ value: Int) -> JSONValue { .integer(JSONInteger(value)) }
}
