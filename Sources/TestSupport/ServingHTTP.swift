public import HTTPServer
import Logging

/// Starts an `HTTPServer` on `configuration` (port 0: an ephemeral one) with `router`, runs
/// `body` with the server and its port, and stops the server whether `body` returns or throws.
public func serving<T: Sendable>(
    _ router: Router, configuration: HTTPServerConfiguration, _ body: (HTTPServer, Int) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test.server")
    logger.logLevel = .critical
    let server = HTTPServer(configuration: configuration, router: router, logger: logger)
    try await server.start()
    do {
        let result = try await body(server, server.port ?? 0)
        await server.shutdown(deadline: .seconds(2))
        return result
    } catch {
        await server.shutdown(deadline: .seconds(2))
        throw error
    }
}
