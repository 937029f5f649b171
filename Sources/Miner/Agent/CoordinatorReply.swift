public import AITBCClient
public import JSON

/// What one coordinator call came back with, sorted by what the control loop does next.
public enum CoordinatorReply: Sendable, Equatable {
    /// 2xx with a JSON body (nil when the body was empty).
    case ok(JSONValue?)
    /// 204: nothing to hand out (poll).
    case noContent
    /// Any other status; `code` is the coordinator's `error.code` and `message` its
    /// `error.message` (else the legacy `detail`), cut to `maxMessageLength`, when its body carried them.
    case rejected(status: Int, code: String?, message: String? = nil)
    /// No HTTP answer: connect refused, timeout, reset, malformed response.
    case unreachable(String)

    /// Longest coordinator message kept (log lines and stderr stay bounded whatever a peer sends).
    public static let maxMessageLength = AITBCError.maxMessageLength

    /// The reply an SDK failure stands for: the coordinator's status with its own code and
    /// message (escaped and bounded by the SDK), or no answer.
    public init(_ error: AITBCError) {
        if error.kind == .rejected, let status = error.status {
            self = .rejected(status: status, code: error.serverCode, message: error.serverMessage)
        } else {
            self = .unreachable(error.message)
        }
    }

    /// `call`'s reply, or the reply its failure stands for.
    public static func of(_ call: () async throws(AITBCError) -> CoordinatorReply) async -> CoordinatorReply {
        do {
            return try await call()
        } catch {
            return CoordinatorReply(error)
        }
    }

    /// 401: the API key is wrong; retrying cannot help.
    public var isUnauthorized: Bool { if case .rejected(401, _, _) = self { true } else { false } }
    /// 404: the miner (heartbeat/poll) or job (result/fail) is unknown to the coordinator.
    public var isNotFound: Bool { if case .rejected(404, _, _) = self { true } else { false } }

    /// Whether the coordinator answered with an error status (as opposed to no answer).
    public var isRejection: Bool { if case .rejected = self { true } else { false } }

    /// Whether a later retry may succeed: transport errors, 408, 425, 429 and 5xx.
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .rejected(let status, _, _): status >= 500 || status == 408 || status == 425 || status == 429
        case .ok, .noContent: false
        }
    }

    /// A short log/metric label (`ok`, `no_content`, `http_503`, `unreachable`).
    public var label: String {
        switch self {
        case .ok: "ok"
        case .noContent: "no_content"
        case .rejected(let status, _, _): "http_\(status)"
        case .unreachable: "unreachable"
        }
    }

    /// Log metadata naming what the coordinator said: `error_code` and `error_message` of a
    /// rejection (each only when present), the transport error of an unreachable one.
    public var problem: [String: String] {
        switch self {
        case .ok, .noContent: return [:]
        case .unreachable(let reason): return ["error_message": Self.bounded(reason)]
        case .rejected(_, let code, let message):
            var problem: [String: String] = [:]
            if let code { problem["error_code"] = code }
            if let message { problem["error_message"] = message }
            return problem
        }
    }

    /// The rejection of an error response body `{"detail", "error": {"code", "message"}}`,
    /// read (and escaped) by the SDK's `AITBCError.rejection`.
    static func rejection(status: Int, body: JSONValue?) -> CoordinatorReply {
        let bytes = body.flatMap { try? JSONSerializer().serialize($0) } ?? []
        return CoordinatorReply(AITBCError.rejection(status: status, body: bytes))
    }

    /// `text` escaped and cut to `maxMessageLength` scalars (`AITBCError.bounded`).
    static func bounded(_ text: String) -> String { AITBCError.bounded(text) }
}
