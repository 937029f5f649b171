import Sockets
import Synchronization
import Testing

@Suite struct EventLoopTests {
    @Test func executeRunsOnTheLoopInOrder() async throws {
        let loop = try EventLoop(name: "test-loop")
        let seen = Mutex<[Int]>([])
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            for index in 0..<100 {
                loop.execute {
                    precondition(loop.inEventLoop)
                    seen.withLock { $0.append(index) }
                    if index == 99 { continuation.resume() }
                }
            }
        }
        #expect(seen.withLock { $0 } == Array(0..<100))
        #expect(!loop.inEventLoop)
        loop.shutdown()
    }

    /// Work handed to a stopped loop still runs — on the caller's thread, in order, one caller at
    /// a time, with `inEventLoop` true while it runs — so a continuation resumed by such work is
    /// never stranded (issue 14: connections closed after their server stopped hung forever).
    @Test func workHandedToAStoppedLoopStillRunsInOrder() async throws {
        let loop = try EventLoop(name: "test-stopped")
        loop.shutdown()
        final class Log: Sendable {
            let seen = Mutex<[Int]>([])
            let sawLoop = Mutex(true)
        }
        let log = Log()
        // Several threads at once; each item also queues a nested one, like a close that
        // schedules its own follow-up.
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<4 {
                group.addTask {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        loop.execute {
                            log.sawLoop.withLock { $0 = $0 && loop.inEventLoop }
                            log.seen.withLock { $0.append(thread) }
                            loop.execute {
                                log.seen.withLock { $0.append(100 + thread) }
                                continuation.resume()
                            }
                        }
                    }
                }
            }
        }
        let order = log.seen.withLock { $0 }
        #expect(order.count == 8)
        for thread in 0..<4 {
            let first = try #require(order.firstIndex(of: thread))
            let nested = try #require(order.firstIndex(of: 100 + thread))
            #expect(first < nested)
        }
        #expect(log.sawLoop.withLock { $0 })
        #expect(!loop.inEventLoop)
    }

    @Test func taskExecutorPreferenceRunsOnTheLoop() async throws {
        let loop = try EventLoop(name: "test-executor")
        let onLoop = await Task(executorPreference: loop) { loop.inEventLoop }.value
        #expect(onLoop)
        loop.shutdown()
    }

    @Test func listenerAcceptsAndEchoes() throws {
        let listener = try SocketDescriptor.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        defer { listener.close() }
        let port = try listener.localAddress().port
        #expect(port > 0)
        let client = try SocketDescriptor.connect(to: SocketAddress(host: "127.0.0.1", port: port))
        defer { client.close() }
        var accepted: (SocketDescriptor, SocketAddress?)?
        while accepted == nil { accepted = try listener.accept() }
        let (server, peer) = try #require(accepted)
        defer { server.close() }
        #expect(peer?.host == "127.0.0.1")
        try client.writeAll(Array("ping".utf8))
        #expect(try server.readSome() == Array("ping".utf8))
        try server.writeAll(Array("pong".utf8))
        #expect(try client.readSome() == Array("pong".utf8))
        server.shutdownWrite()
        #expect(try client.readSome().isEmpty)
    }

    @Test func addressParsing() throws {
        #expect(try SocketAddress(host: "::1", port: 80).description == "[::1]:80")
        #expect(try SocketAddress(host: "localhost", port: 1).host == "127.0.0.1")
        #expect(throws: SocketError.self) { try SocketAddress(host: "example.com", port: 1) }
        #expect(throws: SocketError.self) { try SocketAddress(host: "127.0.0.1", port: 70_000) }
    }
}
