/// Header helpers for the handshake, over plain `(name, value)` pairs so this module does not
/// depend on HTTP1 types. Names compare ASCII case-insensitively (RFC 9110 §5.1).
enum HTTPHeaderFields {
    /// Every value of header `name`, in order, each trimmed of surrounding whitespace.
    static func values(_ name: String, in headers: [(name: String, value: String)]) -> [String] {
        headers.filter { equalsIgnoringCase($0.name, name) }.map { trim($0.value) }
    }

    /// The comma-separated list elements of every `name` header (RFC 9110 §5.6.1), empty ones dropped.
    static func listElements(_ name: String, in headers: [(name: String, value: String)]) -> [String] {
        values(name, in: headers).flatMap { split($0, on: UInt8(ascii: ",")) }.filter { !$0.isEmpty }
    }

    /// Splits on an ASCII separator over the UTF-8 bytes (no Character work) and trims each piece.
    static func split(_ text: String, on separator: UInt8) -> [String] {
        text.utf8.split(separator: separator, omittingEmptySubsequences: false).map { trim(String(decoding: $0, as: UTF8.self)) }
    }

    /// Whether any list element of `name` equals `token`, ignoring ASCII case.
    static func containsToken(_ token: String, in name: String, headers: [(name: String, value: String)]) -> Bool {
        listElements(name, in: headers).contains { equalsIgnoringCase($0, token) }
    }

    /// ASCII case-insensitive equality; non-ASCII bytes must match exactly.
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8) { lower($0) == lower($1) }
    }

    /// Removes leading and trailing spaces and horizontal tabs (RFC 9110 OWS).
    static func trim(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }
}
