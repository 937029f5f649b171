import AITBCClient
import HTTP1
import HTTPServer
import Logging
import Synchronization

/// A local HTTP server on 127.0.0.1 that answers every request on any path by a script
/// (attempt number → response) and records what it received, for the retry rules.
final class ScriptedCoordinator: Sendable {
    /// One received request.
    struct Seen: Sendable {
        var method: HTTPMethod
        var path: String
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    private let server: HTTPServer
    private let seen = Log()

    /// The received requests (a class, so the route closure can hold it).
    final class Log: Sendable {
        let list = Mutex<[Seen]>([])

        func withLock<T>(_ body: (inout [Seen]) -> T) -> T { list.withLock { body(&$0) } }
    }

    /// A server answering attempt n (1-based) with `script(n)`.
    convenience init(_ script: @escaping @Sendable (Int) -> Response) {
        self.init(requests: { _, attempt in script(attempt) })
    }

    /// A server answering each request with `script(request, n)`: what it received and its
    /// attempt number (a chain node's routes answer by path).
    init(requests script: @escaping @Sendable (Seen, Int) -> Response) {
        let router = Router()
        let seen = self.seen
        let handler: HTTPHandler = { request, _ in
            let received = Seen(method: request.method, path: String(request.path), headers: request.headers, body: request.body)
            let attempt = seen.withLock { list in
                list.append(received)
                return list.count
            }
            return script(received, attempt)
        }
        for method in [HTTPMethod.get, .post] {
            router.add(method: method, path: "/**", handler: handler)
        }
        server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopThreads: 1), router: router,
            logger: Logger(label: "scripted") { _ in SwiftLogNoOpLogHandler() })
    }

    /// Starts the server, runs `body` with it, and stops it.
    static func with<T>(
        _ script: @escaping @Sendable (Int) -> Response, _ body: (ScriptedCoordinator) async throws -> T
    ) async throws -> T {
        try await run(ScriptedCoordinator(script), body)
    }

    /// Starts a server answering by request, runs `body` with it, and stops it.
    static func with<T>(
        requests script: @escaping @Sendable (Seen, Int) -> Response, _ body: (ScriptedCoordinator) async throws -> T
    ) async throws -> T {
        try await run(ScriptedCoordinator(requests: script), body)
    }

    private static func run<T>(_ scripted: ScriptedCoordinator, _ body: (ScriptedCoordinator) async throws -> T) async throws -> T {
        try await scripted.server.start()
        do {
            let result = try await body(scripted)
            await scripted.server.shutdown(deadline: .milliseconds(200))
            return result
        } catch {
            await scripted.server.shutdown(deadline: .milliseconds(200))
            throw error
        }
    }

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(server.port ?? 0)" }

    /// What arrived, in order.
    var requests: [Seen] { seen.withLock { $0 } }

    /// A JSON response.
    static func json(_ status: HTTPResponseStatus, _ text: String, headers: HTTPHeaders = HTTPHeaders()) -> Response {
        var headers = headers
        headers.add(name: "Content-Type", value: "application/json")
        return Response(status: status, headers: headers, body: .bytes(Array(text.utf8)))
    }
}

/// Records the waits of a transport instead of sleeping.
final class SleepRecorder: Sendable {
    private let waits = Mutex<[Duration]>([])

    /// The recorded waits.
    var all: [Duration] { waits.withLock { $0 } }

    /// Records one wait.
    func record(_ delay: Duration) { waits.withLock { $0.append(delay) } }

    /// `configuration` that records its waits here, with a fixed jitter and clock.
    func configure(_ configuration: AITBCConfiguration, jitter: Double = 1, now: Double = 1_000_000) -> AITBCConfiguration {
        var configuration = configuration
        configuration.sleep = { [self] delay in waits.withLock { $0.append(delay) } }
        configuration.jitter = { jitter }
        configuration.now = { now }
        return configuration
    }
}
