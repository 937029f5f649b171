import Sockets
import Synchronization
import Testing

@testable import HTTPClient

/// `Deadline` on its scheduler thread: fires once unless disarmed first, in time order, and a
/// short deadline armed after a long one wakes the sleeping scheduler.
@Suite(.timeLimit(.minutes(1))) struct DeadlineTests {
    func waitUntil(_ condition: () -> Bool) async throws {
        let limit = ContinuousClock.now.advanced(by: .seconds(20))
        while !condition(), ContinuousClock.now < limit { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func shortDeadlineArmedAfterLongOneFiresFirst() async throws {
        let group = try EventLoopGroup(threads: 1, name: "deadline-test")
        defer { group.shutdown() }
        let socket = ClientSocket(loop: group.next(), address: try SocketAddress(host: "127.0.0.1", port: 9))
        let scheduler = DeadlineScheduler()
        let long = Deadline(after: .seconds(30), socket: socket, error: .readTimeout, scheduler: scheduler)
        let short = Deadline(after: .milliseconds(50), socket: socket, error: .readTimeout, scheduler: scheduler)
        try await waitUntil { short.fired.withLock { $0 } == true }
        #expect(short.disarm() == true)
        #expect(long.disarm() == false)
    }

    @Test func disarmedDeadlinesNeverFire() async throws {
        let group = try EventLoopGroup(threads: 1, name: "deadline-test")
        defer { group.shutdown() }
        let socket = ClientSocket(loop: group.next(), address: try SocketAddress(host: "127.0.0.1", port: 9))
        let scheduler = DeadlineScheduler()
        let disarmed = (0..<100).map { _ in Deadline(after: .milliseconds(20), socket: socket, error: .readTimeout, scheduler: scheduler) }
        for deadline in disarmed { #expect(deadline.disarm() == false) }
        let witness = Deadline(after: .milliseconds(60), socket: socket, error: .readTimeout, scheduler: scheduler)
        try await waitUntil { witness.fired.withLock { $0 } == true }
        #expect(witness.fired.withLock { $0 } == true)
        for deadline in disarmed { #expect(deadline.fired.withLock { $0 } == nil) }
    }
}
