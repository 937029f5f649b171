import Testing
import TestSupport
@testable import WebSocket

/// Hands out keepalive ticks on demand, so no test waits on a real clock.
final class TickSource: Sendable {
    let ticks: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (ticks, continuation) = AsyncStream.makeStream(of: Void.self)
    }

    func tick() { continuation.yield() }
    func finish() { continuation.finish() }

    /// A `sleep` for `keepalive(every:sleep:)` that returns on the next tick.
    var sleep: @Sendable (Duration) async throws -> Void {
        let ticks = ticks
        return { _ in
            var iterator = ticks.makeAsyncIterator()
            guard await iterator.next() != nil else { throw CancellationError() }
        }
    }
}

@Suite("Keepalive")
struct WebSocketKeepaliveTests {
    @Test func livePeerKeepsConnectionOpen() async throws {
        let (server, client) = try makeConnectedPair()
        let clientLoop = Task { for try await _ in client.messages {} }
        let serverLoop = Task { for try await _ in server.messages {} }
        let source = TickSource()
        let keepalive = Task { await server.keepalive(every: .seconds(20), sleep: source.sleep) }
        for expected in 1...3 {
            source.tick()
            while server.pongsReceived < expected { await Task.yield() }
        }
        #expect(!server.isClosed)
        source.finish()
        await keepalive.value
        await client.close()
        _ = try? await serverLoop.value
        _ = try? await clientLoop.value
    }

    @Test func missedPongClosesWith1011() async throws {
        let (server, peer) = try makeServerWithRawClient(configuration: .init(closeTimeout: .milliseconds(20)))
        let serverLoop = Task { try? await server.receive() }
        let source = TickSource()
        let keepalive = Task { await server.keepalive(every: .seconds(20), sleep: source.sleep) }
        source.tick()
        #expect(try await peer.nextFrame()?.opcode == .ping)
        source.tick()  // no pong was sent
        #expect(try await peer.expectClose().code == 1011)
        await keepalive.value
        #expect(server.closeStatus?.code == .internalServerError)
        await peer.stream.close()
        _ = await serverLoop.value
    }
}

@Suite("In-memory byte stream")
struct InMemoryByteStreamTests {
    @Test func writeSuspendsUntilPeerReads() async throws {
        let (a, b) = InMemoryByteStream.makePair(capacity: 4, maxReadSize: 3)
        let writer = Task { try await a.write([1, 2, 3, 4, 5, 6]) }
        #expect(try await b.read() == [1, 2, 3])  // maxReadSize caps each read
        #expect(try await b.read() == [4, 5, 6])
        try await writer.value
        await a.close()
        #expect(try await b.read() == nil)
        await #expect(throws: InMemoryByteStreamError.closed) { try await b.write([1]) }
    }

    @Test func closeWakesBlockedReaderAndWriter() async throws {
        let (a, b) = InMemoryByteStream.makePair(capacity: 1)
        let reader = Task { try await a.read() }
        let writer = Task { try await a.write([1, 2, 3]) }
        while a.unreadOutgoingByteCount < 3 { await Task.yield() }  // the write is in and suspended
        await a.close()
        #expect(try await reader.value == nil)
        await #expect(throws: InMemoryByteStreamError.closed) { try await writer.value }
        // Bytes written before the close stay readable by the peer, then end of stream.
        #expect(try await b.read() == [1, 2, 3])
        #expect(try await b.read() == nil)
    }

    @Test func cancelledReadThrows() async throws {
        let (a, _) = InMemoryByteStream.makePair()
        let reader = Task { try await a.read() }
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
    }
}
