import HTTP1
public import WireModels

/// The coordinator's admin API (spec/coordinator.md §6 "Admin"): statistics and listings.
public struct AdminClient: CoordinatorAPI {
    /// The connection requests go through.
    public let transport: CoordinatorTransport

    /// A client over `transport`.
    public init(transport: CoordinatorTransport) { self.transport = transport }

    /// A client with a transport of its own.
    public init(configuration: AITBCConfiguration) { self.init(transport: CoordinatorTransport(configuration: configuration)) }

    /// `GET /v1/admin/stats`: job counts by state, online miners, average job duration.
    /// - Throws: `AITBCError`.
    public func stats() async throws(AITBCError) -> AdminStatsResponse {
        try decode(AdminStatsResponse.self, try await transport.send(CoordinatorRequest(method: .get, path: "/admin/stats")))
    }

    /// `GET /v1/admin/jobs?state=&limit=`: jobs, newest first (limit 1…500, default 100).
    /// - Throws: `AITBCError`.
    public func jobs(state: JobState? = nil, limit: Int? = nil) async throws(AITBCError) -> [AdminJobItem] {
        var query: [(name: String, value: String)] = []
        if let state { query.append((name: "state", value: state.rawValue)) }
        if let limit { query.append((name: "limit", value: String(limit))) }
        let response = try await transport.send(CoordinatorRequest(method: .get, path: "/admin/jobs", query: query))
        return try decode(ListPage<AdminJobItem>.self, response).items
    }

    /// `GET /v1/admin/miners`: every registered miner.
    /// - Throws: `AITBCError`.
    public func miners() async throws(AITBCError) -> [AdminMinerItem] {
        try decode(ListPage<AdminMinerItem>.self, try await transport.send(CoordinatorRequest(method: .get, path: "/admin/miners"))).items
    }
}
