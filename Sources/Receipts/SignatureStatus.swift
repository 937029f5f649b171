/// The outcome of checking one signature object (spec/receipts.md §7).
public enum SignatureStatus: Sendable, Equatable, CustomStringConvertible {
    /// The signature verifies against a trusted key and the receipt passes the field rules.
    case valid
    /// There is no signature (absent or `null`).
    case missingSignature
    /// `alg` is absent or not exactly `Ed25519`.
    case unsupportedAlgorithm
    /// The signature is not an object, or `sig`/`key_id` is not canonical text of the right size.
    case malformedSignature
    /// `key_id` names no trusted key, or no trusted keys were given.
    case unknownKey
    /// Ed25519 verification failed (tampered receipt, wrong signing input, non-canonical S).
    case signatureMismatch
    /// The signature verifies but the receipt breaks a field rule; the value names the member.
    case invalidField(String)

    /// Whether this is `.valid`.
    public var isValid: Bool { self == .valid }

    /// The wire reason: `valid`, `missing_signature`, `unsupported_alg`, `malformed_signature`,
    /// `unknown_key`, `signature_mismatch` or `invalid_field:<name>`.
    public var description: String {
        switch self {
        case .valid: return "valid"
        case .missingSignature: return "missing_signature"
        case .unsupportedAlgorithm: return "unsupported_alg"
        case .malformedSignature: return "malformed_signature"
        case .unknownKey: return "unknown_key"
        case .signatureMismatch: return "signature_mismatch"
        case .invalidField(let name): return "invalid_field:\(name)"
        }
    }
}
