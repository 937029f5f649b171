import HTTP1
/// Query parameters decoded from `application/x-www-form-urlencoded` style (`+` is space, `%XX` bytes).
public struct QueryParameters: Sendable, Sequence {
    /// The decoded pairs in order.
    public let items: [(name: String, value: String)]

    /// Decodes a raw query (without `?`); malformed escapes are kept literally.
    public init(_ raw: Substring) {
        var items: [(name: String, value: String)] = []
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            if let equals = part.firstIndex(of: "=") {
                items.append((PercentDecoding.decode(part[..<equals], plusIsSpace: true),
                              PercentDecoding.decode(part[part.index(after: equals)...], plusIsSpace: true)))
            } else {
                items.append((PercentDecoding.decode(part, plusIsSpace: true), ""))
            }
        }
        self.items = items
    }

    /// The first value for `name`.
    public subscript(name: String) -> String? { items.first { $0.name == name }?.value }

    /// Every value for `name`, in order.
    public func values(for name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }

    /// A typed value, `nil` when absent.
    /// - Throws: `HTTPError` 400 when present but not convertible.
    public func get<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws(HTTPError) -> T? {
        guard let text = self[name] else { return nil }
        guard let value = T(text) else {
            throw HTTPError(.badRequest, code: "INVALID_QUERY_PARAMETER", message: "query parameter '\(name)' is not a valid \(T.self)")
        }
        return value
    }

    /// A typed value that must be present.
    /// - Throws: `HTTPError` 400 when absent or not convertible.
    public func require<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws(HTTPError) -> T {
        guard let value = try get(name, as: type) else {
            throw HTTPError(.badRequest, code: "MISSING_QUERY_PARAMETER", message: "query parameter '\(name)' is required")
        }
        return value
    }

    /// Iterates the pairs.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { items.makeIterator() }
}
