import Glibc
import HTTP1
import Sockets
import Synchronization

extension HTTPConnection {
    /// Serializes `response` into the output buffer and starts sending it.
    /// `head` is the request it answers (`nil` for error answers without a parsed request).
    func writeResponse(_ response: Response, for head: HTTPRequestHead?, keepAlive: Bool) {
        busy = true
        var close = !keepAlive
        let date = context.currentDate()
        let isHead = head?.method == .head
        let http10 = head?.version == .http1_0
        if response.status == .switchingProtocols, let upgrade = response.upgrade, head != nil {
            HTTPResponseSerializer.writeHead(status: response.status, headers: response.headers, contentLength: nil, date: date, into: &out)
            beginUpgrade(upgrade)
            return
        }
        switch response.body {
        case .bytes(let bytes):
            let hasBody = response.status.mayHaveBody
            HTTPResponseSerializer.writeHead(
                status: response.status, headers: response.headers, contentLength: hasBody ? bytes.count : nil,
                close: close, keepAliveForHTTP10: http10 && !close, date: date, into: &out)
            if hasBody, !isHead { out.append(contentsOf: bytes) }
            responseComplete(close: close)
        case .stream(let producer):
            // RFC 9112 §7: HTTP/1.0 has no chunked coding, so the body ends at close.
            let chunked = !http10
            if !chunked { close = true }
            HTTPResponseSerializer.writeHead(
                status: response.status, headers: response.headers, contentLength: nil, chunked: chunked,
                close: close, date: date, into: &out)
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
                        self.close()
                        return
                    }
                    if chunked { HTTPResponseSerializer.writeLastChunk(into: &self.out) }
                    self.responseComplete(close: closeAfter)
                }
            }
        }
    }

    /// The response is fully serialized: continue with the next request or close.
    func responseComplete(close: Bool) {
        busy = false
        if close { closeWhenFlushed = true }
        flush()
        guard !closed, !closeWhenFlushed else { return }
        idleSince = context.loop.now
        if parsingPaused {
            parsingPaused = false
            if !peerClosed, queue.count < core.configuration.maxPipelinedRequests { setReading(true) }
        }
        processInput()
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
                    HTTPResponseSerializer.writeChunk(bytes, into: &self.out)
                } else {
                    self.out.append(contentsOf: bytes)
                }
                self.flushWaiters.append(continuation)
                self.flush()
            }
        }
    }

    /// Writes as much as the kernel takes; waits for EPOLLOUT for the rest.
    func flush() {
        guard !closed else { return }
        let pendingBefore = out.count - outOffset
        while outOffset < out.count {
            let offset = outOffset
            let result = out.withUnsafeBytes { raw in
                Result { () throws(SocketError) in try socket.write(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            }
            switch result {
            case .success(.bytes(let count)):
                outOffset += count
                lastWriteProgress = context.loop.now
            case .success(.wouldBlock), .success(.endOfFile):
                if !writeInterest {
                    // The stall clock starts when the kernel first refuses bytes.
                    lastWriteProgress = context.loop.now
                    writeInterest = true
                    updateInterest()
                }
                return
            case .failure:
                close()
                return
            }
        }
        if out.capacity > 1 << 20 { out = [] } else { out.removeAll(keepingCapacity: true) }
        outOffset = 0
        if writeInterest {
            writeInterest = false
            updateInterest()
        }
        if !flushWaiters.isEmpty {
            let waiters = flushWaiters
            flushWaiters = []
            for waiter in waiters { waiter.resume() }
        }
        if closeWhenFlushed, !busy {
            beginLingeringClose()
        } else if pendingBefore > Self.outputHighWater, !busy, !queue.isEmpty {
            startNext()
        }
    }

    /// RFC 9112 §9.6: half-close and drain unread input briefly, so a reset does not destroy the response.
    func beginLingeringClose() {
        guard lingerDeadline == nil, !closed else { return }
        if peerClosed {
            close()
            return
        }
        socket.shutdownWrite()
        lingerDeadline = context.loop.now &+ 2_000_000_000
        if counted { core.lingeringConnections.wrappingAdd(1, ordering: .relaxed) }
        setReading(true)
    }
}
