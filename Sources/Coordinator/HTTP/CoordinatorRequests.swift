public import JSON
import ServiceRuntime
public import WireModels

/// Request bodies for the routes of spec/coordinator.md §6: size and depth limits and strict
/// JSON (duplicate keys and non-finite numbers refused) here; the shapes and their rules
/// (unknown members refused naming them, integers coerced as leniently as the reference) are
/// the WireModels messages'. Every refusal is a 422 `invalidPayload` with the message's text.
public enum CoordinatorRequests {
    /// Parses a raw request body.
    /// - Throws: `CoordinatorError.payloadTooLarge` above `MAX_BODY_BYTES`, `.invalidPayload`
    ///   for malformed JSON, nesting deeper than `MAX_JSON_DEPTH`, or non-finite numbers.
    public static func parseBody(_ bytes: [UInt8], configuration: CoordinatorConfiguration) throws(CoordinatorError) -> JSONValue {
        guard bytes.count <= configuration.maxBodyBytes else { throw .payloadTooLarge(limit: configuration.maxBodyBytes) }
        do {
            return try JSONParser(limits: .init(maxInputBytes: configuration.maxBodyBytes, maxDepth: configuration.maxJSONDepth))
                .parse(bytes)
        } catch {
            if case .inputTooLarge(let limit) = error { throw .payloadTooLarge(limit: limit) }
            throw .invalidPayload("body: invalid JSON: \(error)")
        }
    }

    /// Parses and decodes a request body as `message`.
    /// - Throws: as `parseBody`, and `CoordinatorError.invalidPayload` for a body the message refuses.
    public static func decode<Message: WireMessage>(
        _ message: Message.Type, from bytes: [UInt8], configuration: CoordinatorConfiguration
    ) throws(CoordinatorError) -> Message {
        try decode(message, from: try parseBody(bytes, configuration: configuration))
    }

    /// Decodes a parsed document as `message`.
    /// - Throws: `CoordinatorError.invalidPayload` naming the field and rule.
    public static func decode<Message: WireMessage>(_ message: Message.Type, from json: JSONValue) throws(CoordinatorError) -> Message {
        do {
            return try Message(json: json)
        } catch {
            throw CoordinatorError(error)
        }
    }

    /// `max_wait_seconds` of a poll (default 15) clamped to 0…60 (spec §8).
    public static func pollMaxWaitSeconds(_ request: PollRequest) -> Int {
        min(max(request.maxWaitSeconds ?? PollRequest.defaultMaxWaitSeconds, 0), Coordinator.maxPollWaitSeconds)
    }
}
