/// Header helpers for the handshake, over plain `(name, value)` pairs so this module does not
/// depend on HTTP1 types. Names compare ASCII case-insensitively (RFC 9110 §5.1).
enum HTTPHeaderFields {
    /// Every value of header `name`, in order, each trimmed of surrounding whitespace.
    static func values(_ name: String, in headers: [(name: String, value: String)]) -> [String] {
        headers.filter { equalsIgnoringCase($0.name, name) }.map { trim($0.value) }
    }

    /// The comma-separated list elements of every `name` header (RFC 9110 §5.6.1), empty ones dropped.
    static func listElements(_ name: String, in headers: [(name: String, value: String)]) -> [String] {
        values(name, in: headers).flatMap { $0.split(separator: ",", omittingEmptySubsequences: true) }
            .map { trim(String($0)) }.filter { !$0.isEmpty }
    }

    /// Whether any list element of `name` equals `token`, ignoring ASCII case.
    static func containsToken(_ token: String, in name: String, headers: [(name: String, value: String)]) -> Bool {
        listElements(name, in: headers).contains { equalsIgnoringCase($0, token) }
    }

    /// ASCII case-insensitive equality; non-ASCII bytes must match exactly.
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where lower(x) != lower(y) { return false }
        return true
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
