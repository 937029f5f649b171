import Cryptography

/// Opaque pagination cursors: base64url of `v1|<field>|<field>…`. Clients treat them as
/// opaque strings; a cursor that does not decode is a 422, never a crash.
enum PageCursor {
    /// Encodes the keyset position.
    static func encode(_ fields: [String]) -> String {
        Base64URL.encode(Array((["v1"] + fields).joined(separator: "|").utf8))
    }

    /// Decodes a cursor into exactly `count` fields.
    /// - Throws: `CoordinatorError.invalidPayload` for anything malformed.
    static func decode(_ cursor: String, count: Int) throws(CoordinatorError) -> [String] {
        guard cursor.utf8.count <= 512, let bytes = try? Base64URL.decode(cursor) else {
            throw .invalidPayload("cursor: invalid")
        }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == count + 1, parts.first == "v1" else { throw .invalidPayload("cursor: invalid") }
        return Array(parts.dropFirst())
    }

    /// Decodes a cursor of integer fields.
    /// - Throws: `CoordinatorError.invalidPayload`.
    static func decodeIntegers(_ cursor: String, count: Int) throws(CoordinatorError) -> [Int64] {
        var values: [Int64] = []
        for field in try decode(cursor, count: count) {
            guard let value = Int64(field) else { throw .invalidPayload("cursor: invalid") }
            values.append(value)
        }
        return values
    }
}
