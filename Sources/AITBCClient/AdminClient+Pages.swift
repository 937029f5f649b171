import HTTP1
public import WireModels

extension AdminClient {
    /// `GET /v1/admin/jobs?state=&limit=&cursor=`: one page of jobs, newest first, with the
    /// cursor of the next page (nil on the last). `limit` 1…500 (the coordinator's default 100).
    /// - Throws: `AITBCError`; 422 for a limit or cursor the coordinator refuses.
    public func jobsPage(state: JobState? = nil, limit: Int? = nil, cursor: String? = nil) async throws(AITBCError) -> ListPage<AdminJobItem> {
        var query = Self.pageQuery(limit: limit, cursor: cursor)
        if let state { query.append((name: "state", value: state.rawValue)) }
        return try decode(ListPage<AdminJobItem>.self, try await transport.send(CoordinatorRequest(method: .get, path: "/admin/jobs", query: query)))
    }

    /// `GET /v1/admin/miners?status=&limit=&cursor=`: one page of miners with the cursor of the
    /// next page (nil on the last). `limit` 1…500 (the coordinator's default 100).
    /// - Throws: `AITBCError`; 422 for a limit or cursor the coordinator refuses.
    public func minersPage(status: MinerStatus? = nil, limit: Int? = nil, cursor: String? = nil) async throws(AITBCError) -> ListPage<AdminMinerItem> {
        var query = Self.pageQuery(limit: limit, cursor: cursor)
        if let status { query.append((name: "status", value: status.rawValue)) }
        return try decode(ListPage<AdminMinerItem>.self, try await transport.send(CoordinatorRequest(method: .get, path: "/admin/miners", query: query)))
    }

    /// `limit` when given, `cursor` when non-empty.
    static func pageQuery(limit: Int?, cursor: String?) -> [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if let limit { query.append((name: "limit", value: String(limit))) }
        if let cursor, !cursor.isEmpty { query.append((name: "cursor", value: cursor)) }
        return query
    }
}
