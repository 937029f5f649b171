import JSON

/// Adds the reference's `detail` member (the message) beside `error` to every `HTTPError`
/// thrown below it — router 404/405 and malformed-parameter 400s included — so every error a
/// service's routes produce has both styles (spec/coordinator.md §4, spec/chain-node.md §8).
/// Errors the connection answers before routing (a body far above the limit, a malformed
/// request line) keep the plain `error` body.
public struct DetailMemberMiddleware: Middleware {
    public init() {}

    public func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            throw error.withDetailMember
        }
    }
}

extension HTTPError {
    /// This error with a `detail` member holding the message, unless it has one.
    public var withDetailMember: HTTPError {
        guard !extraMembers.contains(where: { $0.0 == "detail" }) else { return self }
        var error = self
        error.extraMembers.append(("detail", .string(message)))
        return error
    }
}
