import HTTP1
import Sockets
import WebSocket

extension HTTPConnection {
    /// After the 101 head: hand the socket, and any bytes read past the request, to `handler`.
    func beginUpgrade(_ handler: @escaping @Sendable (any ByteStream) async -> Void) {
        inbound = parser.takeBufferedBytes()
        updateInterest()
        flush()
        let stream = ConnectionByteStream(connection: self)
        Task {
            await handler(stream)
            await stream.close()
        }
    }

    /// Resumes a waiting `read()` with buffered bytes, or with `nil` at end of stream.
    func deliverInbound() {
        guard let waiter = readWaiter else { return }
        if !inbound.isEmpty {
            readWaiter = nil
            let bytes = inbound
            inbound = []
            if inboundBackpressure {
                inboundBackpressure = false
                updateInterest()
            }
            waiter.resume(returning: bytes)
        } else if machine.peerClosed || closed {
            readWaiter = nil
            waiter.resume(returning: nil)
        }
    }

    func streamRead(_ continuation: CheckedContinuation<[UInt8]?, any Error>) {
        if closed {
            continuation.resume(returning: nil)
            return
        }
        precondition(readWaiter == nil, "ByteStream.read() called concurrently")
        readWaiter = continuation
        deliverInbound()
    }

    /// `ByteStream.close()`: closes at once, so a pending `read()` returns `nil` and a pending
    /// `write` throws now — not after the peer drains its window or the idle timeout — as
    /// `WebSocketConnection`'s close timeout and slow-consumer policy require.
    func closeUpgraded() {
        execute(machine.on(.upgradeFinished))
    }
}

/// The upgraded connection as a `ByteStream`; every call hops to the connection's loop.
final class ConnectionByteStream: ByteStream {
    let connection: HTTPConnection

    init(connection: HTTPConnection) { self.connection = connection }

    func read() async throws -> [UInt8]? {
        let connection = connection
        return try await withCheckedThrowingContinuation { continuation in
            connection.context.loop.execute { connection.streamRead(continuation) }
        }
    }

    func write(_ bytes: [UInt8]) async throws {
        try await connection.sendAndWait(bytes, chunked: false)
    }

    func close() async {
        let connection = connection
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            connection.context.loop.execute {
                connection.closeUpgraded()
                continuation.resume()
            }
        }
    }
}
