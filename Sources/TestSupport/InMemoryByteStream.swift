public import WebSocket
import Synchronization

/// One end of an in-memory full-duplex byte stream, for testing WebSocket (and anything else
/// written over `ByteStream`) without sockets.
///
/// Each direction is a pipe with a byte capacity: `write` appends and then suspends while the
/// pipe holds more than `capacity` bytes, like a full kernel send buffer, so a peer that does
/// not read exerts real backpressure. `maxReadSize` caps each `read` to drip-feed the reader.
public final class InMemoryByteStream: ByteStream {
    private let incoming: InMemoryPipe
    private let outgoing: InMemoryPipe
    private let maxReadSize: Int

    private init(incoming: InMemoryPipe, outgoing: InMemoryPipe, maxReadSize: Int) {
        self.incoming = incoming
        self.outgoing = outgoing
        self.maxReadSize = max(1, maxReadSize)
    }

    /// Two connected ends: what one writes the other reads.
    /// - Parameters:
    ///   - capacity: bytes buffered per direction before `write` suspends.
    ///   - maxReadSize: most bytes one `read` returns on each end.
    public static func makePair(capacity: Int = 64 * 1024, maxReadSize: Int = 64 * 1024) -> (InMemoryByteStream, InMemoryByteStream) {
        let aToB = InMemoryPipe(capacity: capacity)
        let bToA = InMemoryPipe(capacity: capacity)
        return (
            InMemoryByteStream(incoming: bToA, outgoing: aToB, maxReadSize: maxReadSize),
            InMemoryByteStream(incoming: aToB, outgoing: bToA, maxReadSize: maxReadSize)
        )
    }

    /// The next buffered bytes (at most `maxReadSize`), or `nil` once this end is closed or the
    /// peer closed and everything it wrote was read.
    /// - Throws: `CancellationError` when the waiting task is cancelled.
    public func read() async throws -> [UInt8]? {
        try await incoming.read(maxCount: maxReadSize)
    }

    /// Appends `bytes` for the peer, suspending while its pipe is over capacity.
    /// - Throws: `InMemoryByteStreamError.closed` when either end closed; `CancellationError`.
    public func write(_ bytes: [UInt8]) async throws {
        try await outgoing.write(bytes)
    }

    /// Closes both directions: our reads return `nil`, our writes and the peer's writes throw,
    /// and the peer reads what is left and then `nil`.
    public func close() async {
        incoming.close()
        outgoing.close()
    }

    /// Bytes written by this end that the peer has not read yet.
    public var unreadOutgoingByteCount: Int { outgoing.bufferedCount }
}

/// Failures of the in-memory stream.
public enum InMemoryByteStreamError: Error, Sendable, Equatable {
    /// Written after either end closed.
    case closed
}
