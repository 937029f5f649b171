/// Why a value could not be written as JSON.
public enum JSONSerializationError: Error, Equatable, Sendable {
    /// A float is NaN or infinite; JSON (RFC 8259 §6) has no such numbers.
    case nonFiniteFloat
}
