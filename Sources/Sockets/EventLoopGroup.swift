import Glibc
import Synchronization

/// A fixed set of event loops, one per core by default, handed out round-robin.
public final class EventLoopGroup: Sendable {
    /// The loops.
    public let loops: [EventLoop]
    let cursor = Atomic<Int>(0)

    /// Starts `threads` loops.
    /// - Throws: `SocketError` when a loop cannot start.
    public init(threads: Int = System.coreCount, name: String = "event-loop") throws(SocketError) {
        var loops: [EventLoop] = []
        for index in 0..<max(1, threads) { loops.append(try EventLoop(name: "\(name)-\(index)")) }
        self.loops = loops
    }

    /// The next loop, round-robin.
    public func next() -> EventLoop {
        let index = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
        let count = loops.count
        return loops[((index % count) + count) % count]
    }

    /// Stops every loop and waits for their threads.
    public func shutdown() {
        for loop in loops { loop.shutdown() }
    }
}

/// Facts about the machine.
public enum System {
    /// Online processor count (at least 1).
    public static var coreCount: Int {
        let count = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return count > 0 ? count : 1
    }
}
