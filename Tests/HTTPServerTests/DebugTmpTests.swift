import Foundation
import HTTPServer
import Testing

@Test func debugServe() async throws {
    guard ProcessInfo.processInfo.environment["HTTP_DEBUG_SERVE"] != nil else { return }
    _ = try await withServer { _, port in
        try "\(port)".write(toFile: "/tmp/http-port", atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 20)
        return 0
    }
}
