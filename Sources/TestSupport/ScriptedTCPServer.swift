import Foundation
import Glibc
public import Sockets
import Synchronization

/// A loopback TCP server for client tests that plays a script per connection on its own thread
/// with blocking-style helpers: answer raw bytes, stay silent, close early, reset.
///
/// Binds `127.0.0.1:0`; `stop()` (or deinit) ends the accept thread and closes the listener.
public final class ScriptedTCPServer: Sendable {
    /// The bound port.
    public let port: Int
    let listener: SocketDescriptor
    let stopped = Atomic<Bool>(false)
    let accepted = Atomic<Int>(0)
    let done = DispatchSemaphore(value: 0)

    /// Connections accepted so far.
    public var acceptedCount: Int { accepted.load(ordering: .relaxed) }

    /// Starts listening; `script` runs once per accepted connection (0-based index) on its own thread and owns the socket.
    /// - Throws: `SocketError` when binding fails.
    public init(script: @escaping @Sendable (SocketDescriptor, Int) -> Void) throws(SocketError) {
        listener = try SocketDescriptor.listen(on: try SocketAddress(host: "127.0.0.1", port: 0))
        port = try listener.localAddress().port
        let listener = listener
        Thread.detachNewThread { [self] in
            while !stopped.load(ordering: .relaxed) {
                var poller = pollfd(fd: listener.rawValue, events: Int16(POLLIN), revents: 0)
                _ = poll(&poller, 1, 20)
                guard let (socket, _) = try? listener.accept() else { continue }
                let index = accepted.wrappingAdd(1, ordering: .relaxed).oldValue
                Thread.detachNewThread { script(socket, index) }
            }
            listener.close()
            done.signal()
        }
    }

    deinit { stop() }

    /// Stops accepting and closes the listener (scripts own their sockets).
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        done.wait()
    }

    /// Reads until the end of a request head (`CRLF CRLF`) or end of stream; returns the head text.
    public static func readHead(_ socket: SocketDescriptor, timeoutSeconds: Int = 10) -> String {
        var data: [UInt8] = []
        let end = Date().addingTimeInterval(Double(timeoutSeconds))
        while Date() < end {
            guard let chunk = try? socket.readSome(), !chunk.isEmpty else { break }
            data.append(contentsOf: chunk)
            if data.count >= 4, String(decoding: data, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Closes with a TCP reset (SO_LINGER 0) instead of an orderly FIN.
    public static func reset(_ socket: SocketDescriptor) {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(socket.rawValue, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        socket.close()
    }
}
