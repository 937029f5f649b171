import HTTP1
public import HTTPServer

/// The one authentication path of both transports (issue #10, defect 3): the HTTP routes and
/// the WebSocket upgrade both call `authenticate(_:role:transport:)`, so key → principal, the
/// role check, the token bucket and the body-signature policy cannot drift apart again.
extension Coordinator {
    /// Where a request arrived; decides where the key may come from and what signing means.
    public enum Transport: String, Sendable {
        /// A plain HTTP request to a REST route.
        case http
        /// The upgrade request of a WebSocket channel, or a message on it.
        case webSocket = "websocket"
    }

    /// The principal of `request` for `role`, after its token bucket and the signature policy:
    ///
    /// * key from `X-Api-Key`, else `Authorization: Bearer`; on a WebSocket upgrade also the
    ///   `api_key` query parameter (browsers cannot set headers there);
    /// * one token of the principal's bucket, the bucket its HTTP requests and WebSocket
    ///   messages share;
    /// * with `HMAC_SECRET` set: an HTTP request other than GET/HEAD must carry a valid
    ///   `X-Signature` over its body; the miner channel is refused, because its messages (the
    ///   same writes as the miner POSTs) would travel unsigned. The client channel carries no
    ///   writes (clients send nothing it acts on), so it stays open.
    /// - Throws: `CoordinatorError.unauthorized`, `.rateLimited`, `.invalidSignature`,
    ///   `.signatureRequired`.
    public func authenticate(_ request: Request, role: Role, transport: Transport) throws(CoordinatorError) -> Principal {
        var key = APIKeyRing.presentedKey(
            apiKeyHeader: request.headers["X-Api-Key"], authorizationHeader: request.headers["Authorization"])
        if key == nil, transport == .webSocket { key = request.query["api_key"] }
        let principal = try configuration.keyRing.authenticate(key, role: role)
        try admit(principal, transport: transport)
        if let secret = configuration.hmacSecret {
            switch transport {
            case .http:
                if request.method != .get && request.method != .head {
                    try BodySignature.verify(body: request.body, signatureHex: request.headers["X-Signature"], secret: secret)
                }
            case .webSocket:
                if role == .miner {
                    throw .signatureRequired(
                        "HMAC_SECRET is set and WebSocket messages carry no X-Signature: use the HTTP miner routes with signed bodies")
                }
            }
        }
        return principal
    }

    /// Takes one token of `principal`'s bucket (one per HTTP request or WebSocket message),
    /// counting refusals in `aitbc_coordinator_rate_limited_total{transport}`.
    /// - Throws: `CoordinatorError.rateLimited`.
    public func admit(_ principal: Principal, transport: Transport) throws(CoordinatorError) {
        do {
            try rateLimiter.check(principal.description)
        } catch {
            metrics.recordRateLimited(transport: transport.rawValue)
            throw error
        }
    }
}

extension Principal {
    /// The principal as the HTTP server's request context holds it (role and id as text).
    public var requestPrincipal: RequestPrincipal { RequestPrincipal(role: role.rawValue, id: id) }

    /// The principal a request context holds, when its role is one of the coordinator's.
    public init?(_ principal: RequestPrincipal) {
        guard let role = Role(rawValue: principal.role) else { return nil }
        self.init(role: role, id: principal.id)
    }
}
