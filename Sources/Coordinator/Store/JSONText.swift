import JSON

/// Compact JSON text for storage, and strict parsing of what we stored.
enum JSONText {
    /// Compact UTF-8 bytes of `value`.
    /// - Throws: `CoordinatorError.invalidPayload` naming `field` when a float is not finite.
    static func bytes(_ value: JSONValue, field: String) throws(CoordinatorError) -> [UInt8] {
        do {
            return try JSONSerializer().serialize(value)
        } catch {
            throw .invalidPayload("\(field): numbers must be finite")
        }
    }

    /// Compact text of `value`.
    /// - Throws: `CoordinatorError.invalidPayload` for non-finite floats.
    static func text(_ value: JSONValue, field: String) throws(CoordinatorError) -> String {
        String(decoding: try bytes(value, field: field), as: UTF8.self)
    }

    /// Compact bytes of `value`, refused above `limit` bytes.
    /// - Throws: `CoordinatorError.payloadTooLarge` or `.invalidPayload`.
    static func bytes(_ value: JSONValue, field: String, limit: Int) throws(CoordinatorError) -> [UInt8] {
        let encoded = try bytes(value, field: field)
        guard encoded.count <= limit else { throw .payloadTooLarge(limit: limit) }
        return encoded
    }

    /// Parses text this store wrote.
    /// - Throws: `CoordinatorError.storage` when the stored text is not valid JSON (corruption).
    static func parse(_ text: String) throws(CoordinatorError) -> JSONValue {
        do {
            return try JSONParser(limits: .init(maxInputBytes: 64 << 20, maxDepth: 256)).parse(text)
        } catch {
            throw .storage("stored JSON is unreadable: \(error)")
        }
    }

    /// Parses stored bytes.
    /// - Throws: `CoordinatorError.storage` on corruption.
    static func parse(_ bytes: [UInt8]) throws(CoordinatorError) -> JSONValue {
        do {
            return try JSONParser(limits: .init(maxInputBytes: 64 << 20, maxDepth: 256)).parse(bytes)
        } catch {
            throw .storage("stored JSON is unreadable: \(error)")
        }
    }
}
