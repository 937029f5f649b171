/// Bytes waiting to go out on a non-blocking socket, with the offset already sent.
///
/// `flush(to:)` writes as much as the kernel takes; when it stops early the owner waits for
/// `EPOLLOUT` and flushes again. The buffer grows with what is appended; `highWaterMark` is the
/// bound its owner enforces by producing no more (the server starts no further pipelined request)
/// while `isAboveHighWaterMark`, so a peer that does not read cannot make it grow without limit.
public struct OutboundBuffer: Sendable {
    /// The server's bound: 256 KiB unsent before it stops starting pipelined requests.
    public static let defaultHighWaterMark = 256 * 1024
    /// Storage above this capacity is released once empty, so one large response does not pin memory.
    static let retainedCapacity = 1 << 20

    /// What one `flush(to:)` achieved.
    public struct Progress: Sendable, Equatable {
        /// Bytes the kernel took in this call.
        public var written: Int
        /// Whether the buffer is now empty; when not, wait until the socket is writable.
        public var isComplete: Bool

        /// A flush outcome (tests compare against it).
        public init(written: Int, isComplete: Bool) {
            self.written = written
            self.isComplete = isComplete
        }
    }

    /// Unsent bytes above which the owner should stop producing more.
    public let highWaterMark: Int
    private var storage: [UInt8] = []
    private var offset = 0

    /// An empty buffer bounded at `highWaterMark` bytes.
    public init(highWaterMark: Int = OutboundBuffer.defaultHighWaterMark) {
        self.highWaterMark = max(1, highWaterMark)
    }

    /// Bytes appended but not yet sent.
    public var pendingCount: Int { storage.count - offset }

    /// Whether everything appended has been sent.
    public var isEmpty: Bool { offset == storage.count }

    /// Whether more than `highWaterMark` bytes wait.
    public var isAboveHighWaterMark: Bool { pendingCount > highWaterMark }

    /// Queues `bytes`; an empty buffer adopts the array without copying it.
    public mutating func append(_ bytes: [UInt8]) {
        if storage.isEmpty {
            storage = bytes
        } else {
            storage.append(contentsOf: bytes)
        }
    }

    /// Queues bytes that a serializer writes straight into the storage (no intermediate array).
    public mutating func append<R>(_ write: (inout [UInt8]) -> R) -> R {
        write(&storage)
    }

    /// Writes as much as the kernel takes now.
    /// - Throws: `SocketError` for a failed send; `kind` tells a gone peer (`EPIPE`, `ECONNRESET`) from the rest.
    public mutating func flush(to socket: SocketDescriptor) throws(SocketError) -> Progress {
        var written = 0
        while offset < storage.count {
            let start = offset
            let result = storage.withUnsafeBytes { raw in
                Result { () throws(SocketError) in try socket.write(UnsafeRawBufferPointer(rebasing: raw[start...])) }
            }
            switch try result.get() {
            case .bytes(let count):
                offset += count
                written += count
            case .wouldBlock, .endOfFile:
                return Progress(written: written, isComplete: false)
            }
        }
        removeAll()
        return Progress(written: written, isComplete: true)
    }

    /// Drops every unsent byte (the connection is closing).
    public mutating func removeAll() {
        if storage.capacity > Self.retainedCapacity { storage = [] } else { storage.removeAll(keepingCapacity: true) }
        offset = 0
    }
}
