import Glibc
import Sockets

/// One non-blocking client TCP connection driven by an epoll `EventLoop`.
///
/// `@unchecked Sendable`: every mutable field is touched only on `loop`'s thread; the async
/// methods hop there with `loop.execute`. Bytes are read only while a `read()` waits, so a slow
/// reader leaves them in the kernel (TCP backpressure). `close()` and `abort(_:)` wake a
/// pending read (→ `nil` / the abort error) and a pending write (→ error), which the WebSocket
/// connection relies on to release a stuck peer.
///
/// Interest in EPOLLIN is dropped lazily: after a read it stays armed, so a request/response
/// exchange on a keep-alive connection costs no `epoll_ctl`; a readiness event with nobody
/// reading disarms it (level-triggered epoll would otherwise report it forever).
final class ClientSocket: EventLoopHandler, @unchecked Sendable {
    let loop: EventLoop
    let address: SocketAddress
    /// Owns the descriptor once `connect()` has opened it.
    var socket: Socket?
    var registered = false
    var registeredEvents: UInt32 = 0
    var connecting = false
    var closed = false
    /// Why the socket was aborted (a timeout), reported to waiters instead of a plain close.
    var abortError: HTTPClientError?
    var connectWaiter: CheckedContinuation<Result<Void, HTTPClientError>, Never>?
    /// `nil` is resumed only by `writeThenRead` for a stale connection; reads never see it.
    var readWaiter: CheckedContinuation<Result<[UInt8]?, HTTPClientError>?, Never>?
    var writeWaiter: WriteWaiter?
    /// The request being written; one at a time (`writeWaiter`).
    var out = OutboundBuffer()
    let scratch: UnsafeMutableRawBufferPointer

    static let readSize = 64 * 1024

    init(loop: EventLoop, address: SocketAddress) {
        self.loop = loop
        self.address = address
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
    }

    deinit {
        // A socket dropped without close() is closed by its owner `Socket`.
        scratch.deallocate()
    }

    // MARK: - Async API (any thread)

    /// Starts a non-blocking connect and waits for it to finish.
    func connect() async -> Result<Void, HTTPClientError> {
        await withCheckedContinuation { continuation in
            loop.execute { self.startConnect(continuation) }
        }
    }

    /// The next received bytes; `nil` at end of stream or after `close()`.
    func read() async -> Result<[UInt8]?, HTTPClientError> {
        let result = await withCheckedContinuation { continuation in
            loop.execute { self.startRead(continuation) }
        }
        return result ?? .success(nil)
    }

    /// Writes every byte, suspending while the kernel send buffer is full.
    func write(_ bytes: [UInt8]) async -> Result<Void, HTTPClientError> {
        await withCheckedContinuation { continuation in
            loop.execute { self.startWrite(bytes, .resume(continuation)) }
        }
    }

    /// Writes every byte, then waits for the first bytes of the answer (`read()`'s result): a
    /// request costs one hop to the loop thread and one resume instead of two each.
    ///
    /// With `requireIdle` (a pooled keep-alive connection), the connection is first checked on
    /// the loop to be open with nothing unsolicited pending; if it is not, it is closed, nothing
    /// is sent and the answer is `nil` (the caller takes another connection).
    func writeThenRead(_ bytes: [UInt8], requireIdle: Bool) async -> Result<[UInt8]?, HTTPClientError>? {
        await withCheckedContinuation { continuation in
            loop.execute {
                if requireIdle, !self.isIdleAndOpen() {
                    self.closeOnLoop()
                    continuation.resume(returning: nil)
                    return
                }
                self.startWrite(bytes, .thenRead(continuation))
            }
        }
    }

    /// Who waits for a write: its caller, or a reader to start once every byte is sent.
    enum WriteWaiter {
        case resume(CheckedContinuation<Result<Void, HTTPClientError>, Never>)
        case thenRead(CheckedContinuation<Result<[UInt8]?, HTTPClientError>?, Never>)

        func fail(_ error: HTTPClientError) {
            switch self {
            case .resume(let continuation): continuation.resume(returning: .failure(error))
            case .thenRead(let continuation): continuation.resume(returning: .failure(error))
            }
        }
    }

    /// Closes the connection (from any thread); pending operations are woken.
    func close() {
        loop.execute { self.closeOnLoop() }
    }

    /// Closes the connection and reports `error` to pending and later operations (timeouts).
    func abort(_ error: HTTPClientError) {
        loop.execute {
            guard !self.closed else { return }
            self.abortError = error
            self.closeOnLoop()
        }
    }

    // MARK: - Loop side

    func startConnect(_ continuation: CheckedContinuation<Result<Void, HTTPClientError>, Never>) {
        if let abortError {
            continuation.resume(returning: .failure(abortError))
            return
        }
        let socket: Socket
        do {
            socket = try Socket.tcp(family: address.family)
        } catch {
            closeOnLoop()
            continuation.resume(returning: .failure(.io(error)))
            return
        }
        self.socket = socket
        let progress: Socket.ConnectProgress
        do {
            progress = try socket.beginConnect(to: address)
        } catch {
            closeOnLoop()
            continuation.resume(returning: .failure(Self.connectError(error)))
            return
        }
        if progress == .connected {
            do {
                try loop.register(socket.rawValue, events: 0, handler: self)
                registered = true
                continuation.resume(returning: .success(()))
            } catch {
                closeOnLoop()
                continuation.resume(returning: .failure(.io(error)))
            }
            return
        }
        do {
            try loop.register(socket.rawValue, events: EventMask.writable, handler: self)
            registered = true
            registeredEvents = EventMask.writable
        } catch {
            closeOnLoop()
            continuation.resume(returning: .failure(.io(error)))
            return
        }
        connecting = true
        connectWaiter = continuation
    }

    static func connectError(_ error: SocketError) -> HTTPClientError {
        if error.kind == .refused { return .connectionRefused(error.errno) }
        return .connectFailed(error)
    }

    func finishConnect() {
        guard connecting, let waiter = connectWaiter else { return }
        connecting = false
        connectWaiter = nil
        do {
            try socket?.finishConnect()
        } catch {
            closeOnLoop()
            waiter.resume(returning: .failure(Self.connectError(error)))
            return
        }
        updateInterest()
        waiter.resume(returning: .success(()))
    }

    func startRead(_ continuation: CheckedContinuation<Result<[UInt8]?, HTTPClientError>?, Never>) {
        if closed {
            continuation.resume(returning: abortError.map { .failure($0) } ?? .success(nil))
            return
        }
        precondition(readWaiter == nil, "ClientSocket.read() called concurrently")
        readWaiter = continuation
        readOnce()
    }

    /// Attempts one read for the waiting reader; waits for EPOLLIN when nothing is there.
    func readOnce() {
        guard let waiter = readWaiter, !closed, let socket else { return }
        let result: SocketDescriptor.IOResult
        do {
            result = try socket.descriptor.read(into: scratch)
        } catch {
            readWaiter = nil
            closeOnLoop()
            waiter.resume(returning: .failure(abortError ?? .io(error)))
            return
        }
        switch result {
        case .wouldBlock:
            updateInterest()
        case .endOfFile:
            readWaiter = nil
            updateInterest()
            waiter.resume(returning: .success(nil))
        case .bytes(let count):
            readWaiter = nil
            let bytes = [UInt8](UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
            updateInterest(keepReadable: true)
            waiter.resume(returning: .success(bytes))
        }
    }

    func startWrite(_ bytes: [UInt8], _ waiter: WriteWaiter) {
        if closed {
            waiter.fail(abortError ?? .connectionClosed)
            return
        }
        precondition(writeWaiter == nil, "ClientSocket.write() called concurrently")
        if case .thenRead = waiter { precondition(readWaiter == nil, "ClientSocket.read() called concurrently") }
        out.append(bytes)
        writeWaiter = waiter
        flush()
    }

    func flush() {
        guard let waiter = writeWaiter, !closed, let socket else { return }
        do {
            guard try out.flush(to: socket.descriptor).isComplete else {
                updateInterest()
                return
            }
        } catch {
            writeWaiter = nil
            closeOnLoop()
            waiter.fail(abortError ?? .io(error))
            return
        }
        writeWaiter = nil
        switch waiter {
        case .resume(let continuation):
            updateInterest()
            continuation.resume(returning: .success(()))
        case .thenRead(let continuation):
            readWaiter = continuation
            readOnce()
        }
    }

    func isIdleAndOpen() -> Bool {
        guard !closed, readWaiter == nil, writeWaiter == nil, let socket else { return false }
        var byte: UInt8 = 0
        let count = recv(socket.rawValue, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        // EAGAIN: nothing pending, still open. 0: the server closed it. Bytes: unsolicited data.
        return count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
    }

    func handleEvents(_ events: UInt32) {
        guard !closed else { return }
        if connecting {
            if events & (EventMask.writable | EventMask.error | EventMask.hangup) != 0 { finishConnect() }
            return
        }
        if events & EventMask.writable != 0 || (writeWaiter != nil && events & EventMask.error != 0) { flush() }
        guard !closed else { return }
        if events & (EventMask.readable | EventMask.hangup | EventMask.error) != 0 {
            if readWaiter != nil {
                readOnce()
            } else if events & (EventMask.hangup | EventMask.error) != 0, writeWaiter == nil {
                // Nobody waits and the connection is dead (an idle pooled one): drop it, or
                // level-triggered HUP/ERR would wake the loop forever.
                closeOnLoop()
            } else {
                // Readable with nobody reading (EPOLLIN left armed after the last read): the
                // bytes or the EOF stay in the kernel until the next read; stop the reports.
                updateInterest()
            }
        }
    }

    /// Sets the epoll mask to what the waiters need; `keepReadable` leaves an armed EPOLLIN armed.
    func updateInterest(keepReadable: Bool = false) {
        guard registered, !closed, let socket else { return }
        var events = (readWaiter != nil ? EventMask.readable : 0) | (writeWaiter != nil ? EventMask.writable : 0)
        if keepReadable { events |= registeredEvents & EventMask.readable }
        if events != registeredEvents {
            registeredEvents = events
            loop.modify(socket.rawValue, events: events)
        }
    }

    func closeOnLoop() {
        guard !closed else { return }
        closed = true
        connecting = false
        if let socket {
            if registered { loop.deregister(socket.rawValue) }
            socket.close()
        }
        registered = false
        out.removeAll()
        let error = abortError ?? .connectionClosed
        if let waiter = connectWaiter {
            connectWaiter = nil
            waiter.resume(returning: .failure(error))
        }
        if let waiter = readWaiter {
            readWaiter = nil
            waiter.resume(returning: abortError.map { .failure($0) } ?? .success(nil))
        }
        if let waiter = writeWaiter {
            writeWaiter = nil
            waiter.fail(error)
        }
    }
}
