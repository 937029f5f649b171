/// A connection's received data messages as an `AsyncSequence`; ends after the close
/// handshake and throws what `WebSocketConnection.receive()` throws.
public struct WebSocketInboundMessages: AsyncSequence, Sendable {
    /// Each element is one complete message.
    public typealias Element = WebSocketMessage
    /// Protocol, transport and abnormal-closure errors.
    public typealias Failure = WebSocketError

    let connection: WebSocketConnection

    /// Iterates by calling `receive()`.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let connection: WebSocketConnection

        /// The next message, or `nil` after close.
        /// - Throws: `WebSocketError`, as `WebSocketConnection.receive()`.
        public mutating func next() async throws(WebSocketError) -> WebSocketMessage? {
            try await connection.receive()
        }
    }

    /// Makes an iterator over the connection.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(connection: connection)
    }
}
