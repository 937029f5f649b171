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
    var fd: Int32 = -1
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
    var out: [UInt8] = []
    var outOffset = 0
    let scratch: UnsafeMutableRawBufferPointer

    static let readSize = 64 * 1024

    init(loop: EventLoop, address: SocketAddress) {
        self.loop = loop
        self.address = address
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
    }

    deinit {
        scratch.deallocate()
        // Normally closed already; a socket dropped without close must not leak its descriptor.
        if fd >= 0, !closed { Glibc.close(fd) }
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
        let domain = address.family == .ipv4 ? AF_INET : AF_INET6
        let descriptor = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            continuation.resume(returning: .failure(.io(SocketError.fromErrno("socket"))))
            return
        }
        fd = descriptor
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let result = ClientSocket.withSockAddr(address) { Glibc.connect(descriptor, $0, $1) }
        if result == 0 {
            do {
                try loop.register(descriptor, events: 0, handler: self)
                registered = true
                continuation.resume(returning: .success(()))
            } catch {
                closeOnLoop()
                continuation.resume(returning: .failure(.io(error)))
            }
            return
        }
        let code = errno
        guard code == EINPROGRESS || code == EINTR else {
            closeOnLoop()
            continuation.resume(returning: .failure(Self.connectError(code)))
            return
        }
        do {
            try loop.register(descriptor, events: EventMask.writable, handler: self)
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

    static func connectError(_ code: Int32) -> HTTPClientError {
        if code == ECONNREFUSED { return .connectionRefused(code) }
        return .connectFailed(SocketError(call: "connect", errno: code, message: String(cString: strerror(code))))
    }

    func finishConnect() {
        guard connecting, let waiter = connectWaiter else { return }
        connecting = false
        connectWaiter = nil
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = errno }
        if code != 0 {
            closeOnLoop()
            waiter.resume(returning: .failure(Self.connectError(code)))
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
        guard let waiter = readWaiter, !closed else { return }
        let result: SocketDescriptor.IOResult
        do {
            result = try SocketDescriptor(rawValue: fd).read(into: scratch)
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
        out = bytes
        outOffset = 0
        writeWaiter = waiter
        flush()
    }

    func flush() {
        guard let waiter = writeWaiter, !closed else { return }
        let socket = SocketDescriptor(rawValue: fd)
        while outOffset < out.count {
            let offset = outOffset
            let result = out.withUnsafeBytes { raw in
                Result { () throws(SocketError) in try socket.write(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            }
            switch result {
            case .success(.bytes(let count)):
                outOffset += count
            case .success(.wouldBlock), .success(.endOfFile):
                updateInterest()
                return
            case .failure(let error):
                writeWaiter = nil
                closeOnLoop()
                waiter.fail(abortError ?? .io(error))
                return
            }
        }
        writeWaiter = nil
        out = []
        outOffset = 0
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
        guard !closed, readWaiter == nil, writeWaiter == nil else { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
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
        guard registered, !closed else { return }
        var events = (readWaiter != nil ? EventMask.readable : 0) | (writeWaiter != nil ? EventMask.writable : 0)
        if keepReadable { events |= registeredEvents & EventMask.readable }
        if events != registeredEvents {
            registeredEvents = events
            loop.modify(fd, events: events)
        }
    }

    func closeOnLoop() {
        guard !closed else { return }
        closed = true
        connecting = false
        if fd >= 0 {
            if registered { loop.deregister(fd) }
            Glibc.close(fd)
        }
        registered = false
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

    /// Calls `body` with `address` as a `sockaddr` (the Sockets module keeps its own helper internal).
    static func withSockAddr<R>(_ address: SocketAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch address.family {
        case .ipv4:
            var storage = sockaddr_in()
            storage.sin_family = sa_family_t(AF_INET)
            storage.sin_port = in_port_t(UInt16(truncatingIfNeeded: address.port).bigEndian)
            _ = inet_pton(AF_INET, address.host, &storage.sin_addr)
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .ipv6:
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = in_port_t(UInt16(truncatingIfNeeded: address.port).bigEndian)
            _ = inet_pton(AF_INET6, address.host, &storage.sin6_addr)
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}
