/// A strict RFC 8259 parser producing `JSONValue`.
///
/// Strict means: only the four RFC 8259 §2 whitespace bytes, no byte order mark, no
/// comments, no trailing commas, no `NaN`/`Infinity`, no float literal that overflows to
/// infinity, no unpaired surrogate escapes, well-formed UTF-8 only, and no duplicate keys
/// (RFC 8259 §4 leaves duplicates to the implementation; accepting them lets two readers
/// see different values, so we refuse).
public struct JSONParser: Sendable {
    /// Input limits. Every buffer has one: the caller decides the input size.
    public struct Limits: Sendable {
        /// Largest accepted input in bytes.
        public var maxInputBytes: Int
        /// Deepest accepted nesting of arrays and objects (the top-level container is depth 1).
        public var maxDepth: Int

        /// Creates limits; `maxDepth` must be in 1...1024 (the parser recurses once per level).
        public init(maxInputBytes: Int, maxDepth: Int = 64) {
            precondition(maxInputBytes >= 0, "maxInputBytes must not be negative")
            precondition((1...1024).contains(maxDepth), "maxDepth must be in 1...1024")
            self.maxInputBytes = maxInputBytes
            self.maxDepth = maxDepth
        }
    }

    /// The limits this parser enforces.
    public var limits: Limits

    /// Creates a parser with the given limits.
    public init(limits: Limits) {
        self.limits = limits
    }

    /// Parses one JSON text.
    /// - Throws: `JSONParseError` with the byte offset of the first problem.
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            parseResult(buffer)
        }
        return try result.get()
    }

    /// Parses one JSON text given as a string (its UTF-8 bytes).
    /// - Throws: `JSONParseError` with the byte offset of the first problem.
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, JSONParseError> = text.withUTF8 { buffer in
            parseResult(buffer)
        }
        return try result.get()
    }

    /// Parses one JSON text from raw memory.
    /// - Throws: `JSONParseError` with the byte offset of the first problem.
    public func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        try parseResult(buffer).get()
    }

    private func parseResult(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        guard buffer.count <= limits.maxInputBytes else {
            return .failure(.inputTooLarge(limit: limits.maxInputBytes))
        }
        var reader = JSONReader(bytes: buffer, maxDepth: limits.maxDepth)
        do {
            let value = try reader.readDocument()
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}
