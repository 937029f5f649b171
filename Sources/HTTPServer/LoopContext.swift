import Glibc
import HTTP1
import Sockets
import Synchronization

/// One server's state on one event loop: its connections, a shared read buffer, the Date cache.
///
/// `@unchecked Sendable`: every member is used only on `loop`'s thread.
final class LoopContext: @unchecked Sendable {
    let loop: EventLoop
    let core: ServerCore
    var connections: [Int32: HTTPConnection] = [:]
    let readBuffer: UnsafeMutableRawBufferPointer
    var listener: SocketDescriptor?
    var dateSecond = -1
    var date: [UInt8] = []

    init(loop: EventLoop, core: ServerCore) {
        self.loop = loop
        self.core = core
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    /// The current IMF-fixdate, formatted at most once a second.
    func currentDate() -> [UInt8] {
        let second = time(nil)
        if second != dateSecond {
            dateSecond = second
            date = HTTPDate.bytes(epochSeconds: second)
        }
        return date
    }

    /// Starts accepting on this loop; EPOLLEXCLUSIVE wakes one loop per incoming connection.
    func install(listener: SocketDescriptor) throws(SocketError) {
        self.listener = listener
        try loop.register(listener.rawValue, events: EventMask.readable | EventMask.exclusive, handler: AcceptHandler(context: self, listener: listener))
        loop.addTickHandler { [weak self] in self?.sweep() }
    }

    func stopAccepting() {
        guard let listener else { return }
        loop.deregister(listener.rawValue)
        self.listener = nil
    }

    func adopt(_ socket: SocketDescriptor, remote: SocketAddress?) {
        if core.draining.load(ordering: .relaxed) {
            socket.close()
            return
        }
        let count = core.activeConnections.wrappingAdd(1, ordering: .relaxed).newValue
        let rejecting = count > core.configuration.maxConnections
        if rejecting { core.activeConnections.wrappingSubtract(1, ordering: .relaxed) }
        let connection = HTTPConnection(socket: Socket(adopting: socket), remote: remote, context: self, counted: !rejecting)
        connections[socket.rawValue] = connection
        do {
            try loop.register(socket.rawValue, events: EventMask.readable, handler: connection)
        } catch {
            connection.shutdown(force: true)
            return
        }
        if rejecting { connection.reject() }
    }

    func sweep() {
        let now = loop.now
        for connection in connections.values { connection.checkTimeouts(now: now) }
    }

    /// Closes idle connections; busy ones close after their current response.
    func drain() {
        for connection in connections.values { connection.shutdown(force: false) }
    }

    func closeAll() {
        for connection in connections.values { connection.shutdown(force: true) }
    }
}

/// Accepts pending connections on one loop.
final class AcceptHandler: EventLoopHandler {
    unowned let context: LoopContext
    let listener: SocketDescriptor

    init(context: LoopContext, listener: SocketDescriptor) {
        self.context = context
        self.listener = listener
    }

    func handleEvents(_ events: UInt32) {
        // Bounded so one busy listener cannot starve this loop's connections.
        for _ in 0..<64 {
            guard let accepted = try? listener.accept() else { return }
            context.adopt(accepted.0, remote: accepted.1)
        }
    }
}
