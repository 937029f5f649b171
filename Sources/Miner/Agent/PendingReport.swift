public import JSON

/// A result or failure report not yet acknowledged by the coordinator; persisted in the job's
/// `state.json` so it survives restarts and is re-sent unchanged (the coordinator treats an
/// exact replay of an accepted result as success, so a report is never counted twice).
public struct PendingReport: Sendable, Equatable {
    /// Which endpoint it goes to.
    public enum Kind: String, Sendable {
        /// `POST /miners/{job_id}/result`.
        case result
        /// `POST /miners/{job_id}/fail`.
        case fail
    }

    /// The endpoint.
    public var kind: Kind
    /// The request body exactly as it is sent.
    public var body: JSONValue

    /// A report from its parts.
    public init(kind: Kind, body: JSONValue) {
        self.kind = kind
        self.body = body
    }

    /// A failure report `{"error_code","error_message","metrics"}`.
    public static func failure(_ code: MinerErrorCode, message: String, metrics: JSONValue = .object([])) -> PendingReport {
        PendingReport(
            kind: .fail,
            body: ["error_code": .string(code.rawValue), "error_message": .string(message), "metrics": metrics])
    }

    /// As stored in state.json: `{"kind","body"}`.
    public var json: JSONValue { ["kind": .string(kind.rawValue), "body": body] }

    /// Reads the stored form; nil when malformed.
    public init?(json: JSONValue) {
        guard let kindText = json["kind"]?.stringValue, let kind = Kind(rawValue: kindText), let body = json["body"],
            case .object = body
        else { return nil }
        self.init(kind: kind, body: body)
    }
}
