import HTTP1
import Sockets

extension HTTPConnection {
    /// Serializes `response` into the output buffer and starts sending it.
    /// `head` is the request it answers (`nil` for error answers without a parsed request).
    func writeResponse(_ response: Response, for head: HTTPRequestHead?, keepAlive: Bool) {
        var close = !keepAlive
        let date = context.currentDate()
        let isHead = head?.method == .head
        let http10 = head?.version == .http1_0
        if response.status == .switchingProtocols, let upgrade = response.upgrade, head != nil {
            out.append { HTTPResponseSerializer.writeHead(status: response.status, headers: response.headers, contentLength: nil, date: date, into: &$0) }
            if case .switchProtocol = machine.on(.upgradeAccepted) { beginUpgrade(upgrade) }
            return
        }
        switch response.body {
        case .bytes(let bytes):
            let hasBody = response.status.mayHaveBody
            out.append {
                HTTPResponseSerializer.writeHead(
                    status: response.status, headers: response.headers, contentLength: hasBody ? bytes.count : nil,
                    close: close, keepAliveForHTTP10: http10 && !close, date: date, into: &$0)
                if hasBody, !isHead { $0.append(contentsOf: bytes) }
            }
            responseComplete(close: close)
        case .stream(let producer):
            // RFC 9112 §7: HTTP/1.0 has no chunked coding, so the body ends at close.
            let chunked = !http10
            if !chunked { close = true }
            out.append {
                HTTPResponseSerializer.writeHead(
                    status: response.status, headers: response.headers, contentLength: nil, chunked: chunked,
                    close: close, date: date, into: &$0)
            }
            if isHead || !response.status.mayHaveBody {
                responseComplete(close: close)
                return
            }
            flush()
            let loop = context.loop
            let writer = ResponseBodyWriter { bytes in try await self.sendAndWait(bytes, chunked: chunked) }
            let closeAfter = close
            Task {
                let failed: Bool
                do {
                    try await producer(writer)
                    failed = false
                } catch {
                    failed = true
                }
                loop.execute {
                    guard !self.closed else { return }
                    // A failed producer cannot change the status any more; an unterminated body tells the client.
                    if failed {
                        self.execute(self.machine.on(.responseFailed))
                        return
                    }
                    if chunked { self.out.append { HTTPResponseSerializer.writeLastChunk(into: &$0) } }
                    self.responseComplete(close: closeAfter)
                }
            }
        }
    }

    /// The response is fully serialized: continue with the next request or close.
    func responseComplete(close: Bool) {
        execute(machine.on(.responseComplete(close: close, now: context.loop.now)))
    }

    /// Appends bytes from a task (a streamed body or an upgraded stream) and resumes once they are sent.
    func sendAndWait(_ bytes: [UInt8], chunked: Bool) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            context.loop.execute {
                guard !self.closed else {
                    continuation.resume(throwing: SocketError(call: "write", message: "connection closed"))
                    return
                }
                if chunked {
                    self.out.append { HTTPResponseSerializer.writeChunk(bytes, into: &$0) }
                } else {
                    self.out.append(bytes)
                }
                self.flushWaiters.append(continuation)
                self.flush()
            }
        }
    }

    /// Writes as much as the kernel takes; the machine decides what follows (wait for EPOLLOUT, the
    /// next pipelined request, a lingering close).
    func flush() {
        guard !closed else { return }
        let before = out.pendingCount
        do {
            _ = try out.flush(to: socket.descriptor)
        } catch {
            execute(machine.on(.ioFailed))
            return
        }
        let remaining = out.pendingCount
        if remaining == 0, !flushWaiters.isEmpty {
            let waiters = flushWaiters
            flushWaiters = []
            for waiter in waiters { waiter.resume() }
        }
        let action = machine.on(.flushed(before: before, remaining: remaining, now: context.loop.now))
        if case .none = action { updateInterest() } else { execute(action) }
    }
}
