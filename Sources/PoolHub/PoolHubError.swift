/// Why the pool hub refused an input: a miner record, a status update, a match request, score
/// weights or a feedback outcome. The HTTP layer maps every case to 422 (spec/pool-hub.md
/// §10.12); configuration errors (weights, α) stop start-up with the same message.
///
/// Cases name the field as it is spelled on the wire and never echo the rejected value, so the
/// text is safe to return and to log.
public enum PoolHubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A miner id is empty, longer than `MinerID.maxLength` or holds a character outside `[A-Za-z0-9._:-]`.
    case invalidMinerID(reason: String)
    /// A required field is absent or null.
    case missingField(String)
    /// A field has the wrong JSON type (`expected` says which).
    case wrongType(field: String, expected: String)
    /// A number is negative where only values ≥ 0 make sense.
    case negativeNumber(field: String)
    /// A number is NaN or infinite (or too large to be represented).
    case nonFiniteNumber(field: String)
    /// An integer field holds a fraction or lies outside its range.
    case integerOutOfRange(field: String, range: ClosedRange<Int>)
    /// A string is longer than its column allows.
    case stringTooLong(field: String, limit: Int)
    /// A list or object holds more items than the limit.
    case tooManyItems(field: String, limit: Int)
    /// `top_k` is outside 1…50.
    case topKOutOfRange(Int)
    /// A score-weights setting could not be read (`reason` says where).
    case invalidWeights(reason: String)
    /// A feedback outcome other than accepted, rejected, failed, completed.
    case unknownOutcome
    /// The trust smoothing factor α is not in (0, 1].
    case invalidTrustAlpha
    /// The hub does not know this miner (never registered, logged out or swept).
    case unknownMiner(MinerID)

    /// The offending field, for the `details` of a 422 answer.
    public var field: String? {
        switch self {
        case .invalidMinerID: return "miner_id"
        case .missingField(let field), .wrongType(let field, _), .negativeNumber(let field), .nonFiniteNumber(let field),
            .integerOutOfRange(let field, _), .stringTooLong(let field, _), .tooManyItems(let field, _):
            return field
        case .topKOutOfRange: return "top_k"
        case .unknownOutcome: return "outcome"
        case .invalidWeights, .invalidTrustAlpha, .unknownMiner: return nil
        }
    }

    public var description: String {
        switch self {
        case .invalidMinerID(let reason): return "invalid miner_id: \(reason)"
        case .missingField(let field): return "\(field) is required"
        case .wrongType(let field, let expected): return "\(field) must be \(expected)"
        case .negativeNumber(let field): return "\(field) must not be negative"
        case .nonFiniteNumber(let field): return "\(field) must be a finite number"
        case .integerOutOfRange(let field, let range):
            return "\(field) must be an integer in \(range.lowerBound)…\(range.upperBound)"
        case .stringTooLong(let field, let limit): return "\(field) is longer than \(limit) bytes"
        case .tooManyItems(let field, let limit): return "\(field) holds more than \(limit) items"
        case .topKOutOfRange(let value): return "top_k must be in 1…50, got \(value)"
        case .invalidWeights(let reason): return "invalid score weights: \(reason)"
        case .unknownOutcome: return "outcome must be one of accepted, rejected, failed, completed"
        case .invalidTrustAlpha: return "trust alpha must be a finite number in (0, 1]"
        case .unknownMiner(let id): return "unknown miner \(id)"
        }
    }
}
