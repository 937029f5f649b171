/// One member of a JSON object: a key and its value, kept in input order by `JSONValue.object`.
public struct JSONMember: Sendable {
    /// The key, scalars exactly as parsed.
    public var key: String
    /// The value.
    public var value: JSONValue

    /// Creates a member.
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

extension JSONMember: Equatable {
    /// Keys compare by exact Unicode scalars (UTF-8 bytes), not canonical equivalence.
    public static func == (lhs: JSONMember, rhs: JSONMember) -> Bool {
        lhs.key.hasSameUTF8(as: rhs.key) && lhs.value == rhs.value
    }
}
