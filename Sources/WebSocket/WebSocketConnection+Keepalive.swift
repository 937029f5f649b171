extension WebSocketConnection {
    /// Pings the peer every `interval` and closes the connection with 1011 ("keepalive
    /// timeout", as Python `websockets` does) when a ping got no pong by the next tick.
    /// Returns when the connection closes or the task is cancelled. Pongs are only seen
    /// while a receive loop runs, so keep one running alongside.
    /// - Parameter sleep: waits one interval; injectable so tests drive ticks without a real clock.
    public func keepalive(
        every interval: Duration,
        sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async {
        var pongsAtLastPing = pongsReceived
        var awaitingPong = false
        while !isClosed {
            do {
                try await sleep(interval)
            } catch {
                return
            }
            if isClosed || Task.isCancelled { return }
            let pongs = pongsReceived
            if awaitingPong && pongs == pongsAtLastPing {
                await close(code: .internalServerError, reason: "keepalive timeout")
                return
            }
            pongsAtLastPing = pongs
            do throws(WebSocketError) {
                try ping()
                awaitingPong = true
            } catch {
                return
            }
        }
    }
}
