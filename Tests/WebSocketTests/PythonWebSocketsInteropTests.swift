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
    static let isAvailable: Bool = {
        guard let process = try? run(["-c", "import websockets"]) else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// Starts `python3 arguments…` with stdout/stderr captured.
    static func run(_ arguments: [String], stdout: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = stdout ?? FileHandle.nullDevice
        try ProcessLaunch.run(process)
        return process
    }

    /// Waits on a separate thread (not the cooperative pool) for exit, terminating the process after `timeout`.
    static func waitForExit(_ process: Process, timeout: TimeInterval) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let end = Date().addingTimeInterval(timeout)
                while process.isRunning, Date() < end { Thread.sleep(forTimeInterval: 0.01) }
                if process.isRunning {
                    stop(process)
                    process.waitUntilExit()
                }
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }

    /// Kills a process this test started, by its pid. SIGKILL, not SIGTERM: children inherit the
    /// test runner's signal mask, in which SIGTERM may be blocked.
    static func stop(_ process: Process) {
        if process.isRunning { _ = kill(process.processIdentifier, SIGKILL) }
    }

    /// Reads the first line of `pipe` on a separate thread, giving up after `timeout`.
    static func firstLine(of pipe: Pipe, timeout: TimeInterval) async -> String? {
        await withCheckedContinuation { continuation in
            let resumed = Mutex(false)
            let finish: @Sendable (String?) -> Void = { line in
                let first = resumed.withLock { done -> Bool in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: line) }
            }
            Thread.detachNewThread {
                var data = Data()
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                    if data.contains(0x0A) { break }
                }
                let text = String(decoding: data, as: UTF8.self)
                finish(text.split(separator: "\n").first.map(String.init))
            }
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: timeout)
                finish(nil)
            }
        }
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
            let output = Pipe()
            let process = try PythonWebSockets.run([script, "ws://127.0.0.1:\(port)/echo"], stdout: output)
            let status = await PythonWebSockets.waitForExit(process, timeout: 30)
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(status == 0, "python client: \(text)")
            #expect(text.hasPrefix("OK permessage-deflate"))
            #expect(await closes.wait(count: 1) == [1000])
        }
    }

    @Test func ourClientAgainstPythonServer() async throws {
        let directory = try TemporaryDirectory(prefix: "ws-interop")
        let script = directory.path("server.py")
        try PythonWebSockets.serverScript.write(toFile: script, atomically: true, encoding: .utf8)
        let output = Pipe()
        let process = try PythonWebSockets.run([script], stdout: output)
        defer {
            // Only the process this test started, by its own handle.
            PythonWebSockets.stop(process)
        }
        let line = await PythonWebSockets.firstLine(of: output, timeout: 20)
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
        PythonWebSockets.stop(process)
        _ = await PythonWebSockets.waitForExit(process, timeout: 5)
    }
}
