import Foundation
import HTTP1
import HTTPClient
import HTTPServer
import Logging
import Synchronization
import TestSupport
import WebSocket

/// Values handed from server tasks to the test, read after polling.
final class Recorder<Value: Sendable>: Sendable {
    let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }

    /// Polls until `count` values arrived or `timeout` passed.
    func wait(count: Int, timeout: Duration = .seconds(10)) async -> [Value] {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: timeout)
        while clock.now < end {
            let current = all
            if current.count >= count { return current }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return all
    }
}

/// Echoes every message back; records the close code it saw.
func echoHandler(closes: Recorder<Int>? = nil) -> WebSocketRouteHandler {
    { _, _, connection in
        do {
            for try await message in connection.messages { try connection.send(message) }
        } catch {}
        closes?.append(Int(connection.closeStatus?.code.rawValue ?? 0))
    }
}

/// Starts a server with `router` on 127.0.0.1:0, runs `body`, stops it.
@discardableResult
func withWebSocketServer<T: Sendable>(router: Router, _ body: (Int) async throws -> T) async throws -> T {
    try await serving(router, configuration: HTTPServerConfiguration(eventLoopThreads: 2)) { _, port in try await body(port) }
}
