import Foundation
import ServiceRuntime
import HTTP1
import HTTPServer
import Sockets
import Synchronization
import TestSupport
import Testing

/// Real outside clients against a live server; skipped with a message when curl is absent.
@Suite struct CurlIntegrationTests {
    static let curlPath: String? = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Runs curl with `arguments`, returning exit status, stdout and stderr (blocks the calling thread).
    static func curl(_ arguments: [String]) throws -> (status: Int32, out: Data, err: String) {
        let directory = try TemporaryDirectory(prefix: "curl-run")
        let child = try ChildProcess(
            curlPath ?? "/usr/bin/curl", ["--silent", "--show-error", "--max-time", "20"] + arguments,
            environment: TestPaths.baseEnvironment(), directory: directory.url.path)
        let status = child.waitBlocking(timeout: .seconds(60))
        let out = (try? Data(contentsOf: URL(fileURLWithPath: child.stdoutPath))) ?? Data()
        return (status, out, child.stderr)
    }

    /// A router that also records which client port sent each request, to see connection reuse.
    static func recordingRouter(_ peers: PeerLog) -> Router {
        let router = makeTestRouter()
        router.add(middleware: ClosureMiddleware { request, context, next in
            peers.record(context.remoteAddress?.port ?? -1)
            return try await next(request, context)
        })
        return router
    }

    @Test(.enabled(if: curlPath != nil, "curl not found on this machine: curl integration tests skipped"))
    func keepAliveWithTwoURLsInOneInvocation() async throws {
        let peers = PeerLog()
        try await withServer(router: Self.recordingRouter(peers)) { _, port in
            let result = try Self.curl(["http://127.0.0.1:\(port)/hello", "http://127.0.0.1:\(port)/v2/ping"])
            #expect(result.status == 0, "\(result.err)")
            #expect(String(decoding: result.out, as: UTF8.self) == "hellopong")
        }
        let ports = peers.all
        #expect(ports.count == 2)
        #expect(Set(ports).count == 1, "curl should reuse one keep-alive connection, got client ports \(ports)")
    }

    @Test(.enabled(if: curlPath != nil, "curl not found on this machine: curl integration tests skipped"))
    func chunkedUploadFromFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aitbc-http-\(UInt32.random(in: 0...UInt32.max)).bin")
        var generator = SystemRandomNumberGenerator()
        let payload = Data((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try payload.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withServer { _, port in
            let result = try Self.curl([
                "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/octet-stream",
                "--data-binary", "@\(file.path)", "http://127.0.0.1:\(port)/echo",
            ])
            #expect(result.status == 0, "\(result.err)")
            #expect(result.out == payload)
        }
    }

    @Test(.enabled(if: curlPath != nil, "curl not found on this machine: curl integration tests skipped"))
    func http10Request() async throws {
        try await withServer { _, port in
            let result = try Self.curl(["--http1.0", "--include", "http://127.0.0.1:\(port)/hello"])
            #expect(result.status == 0, "\(result.err)")
            let text = String(decoding: result.out, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(text.contains("Connection: close\r\n"))
            #expect(text.hasSuffix("\r\n\r\nhello"))
        }
    }

    @Test(.enabled(if: curlPath != nil, "curl not found on this machine: curl integration tests skipped"))
    func jsonPostHeadAndErrors() async throws {
        try await withServer { _, port in
            let created = try Self.curl([
                "--write-out", "%{http_code}", "-H", "Content-Type: application/json",
                "--data", #"{"name":"n","count":41}"#, "http://127.0.0.1:\(port)/json",
            ])
            #expect(String(decoding: created.out, as: UTF8.self) == #"{"count":42,"name":"n"}201"#
                || String(decoding: created.out, as: UTF8.self) == #"{"name":"n","count":42}201"#)
            let head = try Self.curl(["--head", "http://127.0.0.1:\(port)/hello"])
            #expect(String(decoding: head.out, as: UTF8.self).contains("Content-Length: 5"))
            let missing = try Self.curl(["--write-out", " %{http_code}", "http://127.0.0.1:\(port)/none"])
            #expect(String(decoding: missing.out, as: UTF8.self).hasSuffix(" 404"))
            let expect = try Self.curl([
                "-H", "Expect: 100-continue", "--data-binary", String(repeating: "x", count: 2000),
                "http://127.0.0.1:\(port)/echo",
            ])
            #expect(expect.out.count == 2000)
        }
    }
}

/// Client ports seen by the server.
final class PeerLog: Sendable {
    let ports = Mutex<[Int]>([])
    func record(_ port: Int) { ports.withLock { $0.append(port) } }
    var all: [Int] { ports.withLock { $0 } }
}
