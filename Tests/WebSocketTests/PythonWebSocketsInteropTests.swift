import Foundation
import ServiceRuntime
import Glibc
import HTTPClient
import HTTPServer
import Synchronization
import Testing
import TestSupport
import WebSocket

/// Runs the Python `websockets` package (CI installs it) against our server and client.
enum PythonWebSockets {
    /// Whether `python3 -c 'import websockets'` succeeds.
    static let isAvailable: Bool = TestPaths.pythonHas("websockets")

    /// Starts `python3 arguments…`; stdout and stderr go to files in `directory`.
    static func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> ChildProcess {
        try ChildProcess(
            TestPaths.onPath("python3") ?? "/usr/bin/python3", arguments, environment: TestPaths.baseEnvironment(),
            directory: directory.url.path)
    }

    static let clientScript = """
        import asyncio, sys
        import websockets

        async def main():
            uri = sys.argv[1]
            async with websockets.connect(uri, max_size=2**22) as ws:
                ext = ws.response.headers.get("Sec-WebSocket-Extensions", "")
                if "permessage-deflate" not in ext:
                    print("FAIL no permessage-deflate negotiated:", repr(ext)); sys.exit(2)
                await ws.send("hello from python")
                if await ws.recv() != "hello from python":
                    print("FAIL text echo"); sys.exit(3)
                payload = bytes(range(256)) * 64
                await ws.send(payload)
                if await ws.recv() != payload:
                    print("FAIL binary echo"); sys.exit(4)
                big = "repeat me " * 50000
                await ws.send(big)
                if await ws.recv() != big:
                    print("FAIL large echo"); sys.exit(5)
                await ws.close(code=1000, reason="done")
                if ws.close_code != 1000:
                    print("FAIL close code", ws.close_code); sys.exit(6)
            print("OK", ext)

        asyncio.run(main())
        """

    static let serverScript = """
        import asyncio, sys
        from websockets.asyncio.server import serve

        async def echo(ws):
            async for message in ws:
                await ws.send(message)

        async def main():
            async with serve(echo, "127.0.0.1", 0, max_size=2**22) as server:
                port = server.sockets[0].getsockname()[1]
                print(port, flush=True)
                await asyncio.sleep(45)

        asyncio.run(main())
        """
}

@Suite(
    .timeLimit(.minutes(1)),
    .enabled(if: PythonWebSockets.isAvailable, "python3 with the websockets package is not installed; skipping interop tests")
)
struct PythonWebSocketsInteropTests {
    @Test func pythonClientAgainstOurServerWithPerMessageDeflate() async throws {
        let directory = try TemporaryDirectory(prefix: "ws-interop")
        let script = directory.path("client.py")
        try PythonWebSockets.clientScript.write(toFile: script, atomically: true, encoding: .utf8)
        let router = Router()
        let closes = Recorder<Int>()
        router.webSocket("/echo", deflate: PerMessageDeflateConfiguration(), handler: echoHandler(closes: closes))
        try await withWebSocketServer(router: router) { port in
            let process = try PythonWebSockets.run([script, "ws://127.0.0.1:\(port)/echo"], in: directory)
            let status = await process.wait(timeout: .seconds(30))
            let text = process.stdout
            #expect(status == 0, "python client: \(text) \(process.stderr)")
            #expect(text.hasPrefix("OK permessage-deflate"))
            #expect(await closes.wait(count: 1) == [1000])
        }
    }

    @Test func ourClientAgainstPythonServer() async throws {
        let directory = try TemporaryDirectory(prefix: "ws-interop")
        let script = directory.path("server.py")
        try PythonWebSockets.serverScript.write(toFile: script, atomically: true, encoding: .utf8)
        let process = try PythonWebSockets.run([script], in: directory)
        defer {
            // Only the process this test started, by its pid. SIGKILL: children inherit the test
            // runner's signal mask, in which SIGTERM may be blocked.
            process.send(SIGKILL)
        }
        _ = await process.waitForOutput(containing: "\n", timeout: .seconds(20))
        let line = process.stdout.split(separator: "\n").first.map(String.init)
        let port = try #require(line.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }, "python server printed \(line ?? "nothing")")
        for deflate in [true, false] {
            let ws = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/", deflate: deflate ? PerMessageDeflateConfiguration() : nil)
            #expect((ws.deflate != nil) == deflate)
            try ws.send(text: "hello python")
            #expect(try await ws.receive() == .text("hello python"))
            let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 7) }
            try ws.send(binary: payload)
            #expect(try await ws.receive() == .binary(payload))
            await ws.close()
            #expect(ws.closeStatus?.code == .normalClosure)
        }
        process.send(SIGKILL)
        _ = await process.wait(timeout: .seconds(5))
    }
}
