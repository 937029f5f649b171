import HTTP1

/// Takes a well-formed `X-Request-ID` from the client (else keeps the generated id),
/// and echoes the id on the response so logs on both sides correlate.
public struct RequestIDMiddleware: Middleware {
    /// The header carrying the id.
    public let headerName: String

    /// A middleware using `headerName` (default `X-Request-ID`).
    public init(headerName: String = "X-Request-ID") { self.headerName = headerName }

    /// Sets `context.requestID` and the response header.
    public func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        var context = context
        if let supplied = request.headers[headerName], Self.isAcceptable(supplied) { context.requestID = supplied }
        do {
            var response = try await next(request, context)
            response.headers.replaceOrAdd(name: headerName, value: context.requestID)
            return response
        } catch var error as HTTPError {
            error.headers.replaceOrAdd(name: headerName, value: context.requestID)
            throw error
        }
    }

    /// Up to 128 visible ASCII characters, so a client cannot inject log lines or huge ids.
    static func isAcceptable(_ id: String) -> Bool {
        id.utf8.count <= 128 && !id.isEmpty && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
