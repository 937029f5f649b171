public import JSON

/// What one coordinator call came back with, sorted by what the control loop does next.
public enum CoordinatorReply: Sendable, Equatable {
    /// 2xx with a JSON body (nil when the body was empty).
    case ok(JSONValue?)
    /// 204: nothing to hand out (poll).
    case noContent
    /// Any other status; `code` is the coordinator's error code when its body carried one.
    case rejected(status: Int, code: String?)
    /// No HTTP answer: connect refused, timeout, reset, malformed response.
    case unreachable(String)

    /// 401: the API key is wrong; retrying cannot help.
    public var isUnauthorized: Bool { if case .rejected(401, _) = self { true } else { false } }
    /// 404: the miner (heartbeat/poll) or job (result/fail) is unknown to the coordinator.
    public var isNotFound: Bool { if case .rejected(404, _) = self { true } else { false } }

    /// Whether a later retry may succeed: transport errors, 408, 425, 429 and 5xx.
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .rejected(let status, _): status >= 500 || status == 408 || status == 425 || status == 429
        case .ok, .noContent: false
        }
    }

    /// A short log/metric label (`ok`, `no_content`, `http_503`, `unreachable`).
    public var label: String {
        switch self {
        case .ok: "ok"
        case .noContent: "no_content"
        case .rejected(let status, _): "http_\(status)"
        case .unreachable: "unreachable"
        }
    }
}
