/// How a response body is produced.
public enum ResponseBody: Sendable {
    /// All bytes at once, sent with `Content-Length`.
    case bytes([UInt8])
    /// Streamed with `Transfer-Encoding: chunked` (HTTP/1.0: close-delimited); each `write` suspends until sent.
    case stream(@Sendable (ResponseBodyWriter) async throws -> Void)
}

/// Writes parts of a streamed response body; each call suspends until the bytes are handed to the kernel.
public struct ResponseBodyWriter: Sendable {
    let sink: @Sendable ([UInt8]) async throws -> Void

    /// Sends `bytes` as one chunk; empty input is ignored.
    /// - Throws: `SocketError` when the connection is gone.
    public func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try await sink(bytes)
    }
}
