import HTTP1
import Sockets
public import Logging

/// Logs one line per request: method, path, status, duration, peer (`info` by default).
public struct AccessLogMiddleware: Middleware {
    /// The level of access lines.
    public let level: Logger.Level

    /// A middleware logging at `level`.
    public init(level: Logger.Level = .info) { self.level = level }

    /// Logs after the response (or error) is known.
    public func handle(_ request: Request, context: RequestContext, next: HTTPHandler) async throws -> Response {
        // Below the logger's level (the coordinator's default: access lines at debug) the line
        // would be dropped after building it: skip the clock, the strings and the metadata.
        guard context.logger.logLevel <= level else { return try await next(request, context) }
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let (seconds, attoseconds) = elapsed.components
            let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
            context.logger.log(
                level: level, "request",
                metadata: [
                    "method": .string(request.method.rawValue), "path": .string(String(request.path)),
                    "status": .stringConvertible(status), "duration_ms": .stringConvertible(milliseconds),
                    "peer": .string(context.remoteAddress?.description ?? "-"),
                ])
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as HTTPError {
            status = error.status.code
            throw error
        }
    }
}
