public import JSON

/// Why a receipt could not be read, canonicalized or signed.
public enum ReceiptError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The JSON text was rejected (syntax, duplicate key, non-finite number, limits).
    case invalidJSON(JSONParseError)
    /// The receipt (or a vector file's `payload`) is not a JSON object.
    case notAnObject
    /// A number is NaN or infinite; such a receipt has no canonical form and is never signed.
    case nonFiniteNumber
    /// A field breaks the receipt rules (spec/receipts.md §2); the value is the member name.
    case invalidField(String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .invalidJSON(let error): return "invalid JSON: \(error)"
        case .notAnObject: return "a receipt must be a JSON object"
        case .nonFiniteNumber: return "the receipt contains a non-finite number"
        case .invalidField(let name): return "invalid_field:\(name)"
        }
    }
}
