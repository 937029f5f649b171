import HTTP1
public import WireModels

/// What every role's client shares: the transport, and the calls any key (or none) may make.
public protocol CoordinatorAPI: Sendable {
    /// The connection requests go through.
    var transport: CoordinatorTransport { get }
}

extension CoordinatorAPI {
    /// `GET /v1/health` (no key needed): `{"status":"ok","env"}`.
    /// - Throws: `AITBCError`.
    public func health() async throws(AITBCError) -> HealthResponse {
        try decode(HealthResponse.self, try await transport.send(CoordinatorRequest(method: .get, path: "/health")))
    }

    /// `GET /v1/keys` (no key needed): the public keys the coordinator signs and attests
    /// receipts with. Fetching them over plain HTTP is trust on first use: pin them (or take
    /// them from the operator) before verifying receipts with them.
    /// - Throws: `AITBCError`.
    public func keys() async throws(AITBCError) -> PublishedKeysResponse {
        try decode(PublishedKeysResponse.self, try await transport.send(CoordinatorRequest(method: .get, path: "/keys")))
    }

    /// `response`'s body as `Message`, or `.invalidResponse` naming the field that broke.
    func decode<Message: WireMessage>(_ type: Message.Type, _ response: CoordinatorResponse) throws(AITBCError) -> Message {
        try response.message(type)
    }
}
