import CLinuxShims
import Dispatch
import Glibc
import Synchronization

/// Receives readiness events for one descriptor; called only on its event loop's thread.
public protocol EventLoopHandler: AnyObject {
    /// Handles `EPOLLIN`/`EPOLLOUT`/`EPOLLHUP`/`EPOLLERR` bits for the registered descriptor.
    func handleEvents(_ events: UInt32)
}

/// One thread running an epoll loop: descriptors are registered with handlers, other threads
/// hand it work with `execute`, and tick handlers run about every `tickInterval` for timeouts.
///
/// `@unchecked Sendable`: `handlers`, `tickHandlers` and `now` are touched only on the loop
/// thread (every mutator checks `inEventLoop` in debug builds) — or, once the loop has stopped,
/// by the one caller at a time that drains its work queue; the work queue is behind a Mutex.
public final class EventLoop: @unchecked Sendable {
    let epollFD: Int32
    let wakeFD: Int32
    var handlers: [Int32: any EventLoopHandler] = [:]
    var tickHandlers: [() -> Void] = []
    struct WorkQueue {
        var work: [@Sendable () -> Void] = []
        /// The loop thread has ended: work handed over from now on is run by `drainAfterStop`.
        var stopped = false
    }
    let pending = Mutex(WorkQueue())
    /// The thread running `drainAfterStop` (its pthread_t bits; 0 when none).
    let drainer = Atomic<UInt>(0)
    let wakeScheduled = Atomic<Bool>(false)
    let running = Atomic<Bool>(true)
    let finished = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var thread: pthread_t?
    /// Monotonic nanoseconds, refreshed after every wakeup; read on the loop thread.
    public private(set) var now: UInt64 = EventLoop.monotonicNanoseconds()
    /// How often tick handlers run.
    public let tickInterval: Duration
    var lastTick: UInt64 = 0

    /// Starts a loop thread named `name`.
    /// - Throws: `SocketError` when epoll or eventfd cannot be created.
    public init(name: String = "event-loop", tickInterval: Duration = .milliseconds(100)) throws(SocketError) {
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw .fromErrno("epoll_create1") }
        let wake = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wake >= 0 else {
            Glibc.close(epoll)
            throw .fromErrno("eventfd")
        }
        epollFD = epoll
        wakeFD = wake
        self.tickInterval = tickInterval
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wake
        _ = epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event)
        let started = DispatchSemaphore(value: 0)
        let threadName = String(name.utf8.prefix(15)) ?? "event-loop"
        // A raw pthread rather than Foundation's Thread: the networking core links no Foundation,
        // which keeps a small daemon's resident set down (the benchmark target is ≤ 15 MB idle).
        do {
            try DetachedThread.spawn { [self] in
                self.thread = pthread_self()
                // Linux thread names are at most 15 bytes; visible in `top -H` and crash reports.
                _ = clinux_set_thread_name(threadName)
                started.signal()
                self.run()
                self.finished.signal()
            }
        } catch {
            Glibc.close(epoll)
            Glibc.close(wake)
            throw error
        }
        started.wait()
    }

    deinit {
        Glibc.close(epollFD)
        Glibc.close(wakeFD)
    }

    /// Whether the caller runs on this loop's thread.
    public var inEventLoop: Bool {
        if let thread, pthread_equal(thread, pthread_self()) != 0 { return true }
        let draining = drainer.load(ordering: .acquiring)
        return draining != 0 && draining == pthread_self()
    }

    /// Runs `work` on the loop thread soon (FIFO); wakes the loop at most once per batch.
    ///
    /// After `shutdown` the thread is gone, but work still arrives: a connection closed after
    /// its server stopped, a close timeout firing late. Such work runs on the calling thread,
    /// one caller at a time and in order (`drainAfterStop`), so every continuation it resumes
    /// is resumed — a queue nobody drains left `await`s hanging forever (the stalled test runs
    /// of issue 14: P2P peers closed while their server shut down).
    public func execute(_ work: @escaping @Sendable () -> Void) {
        let stopped = pending.withLock { queue in
            queue.work.append(work)
            return queue.stopped
        }
        if stopped {
            drainAfterStop()
            return
        }
        // On the loop thread the queue is drained before the next epoll_wait: no wakeup syscall.
        if inEventLoop { return }
        if !wakeScheduled.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    /// Registers `handler` for `events` on `fd` (loop thread only).
    /// - Throws: `SocketError` from `epoll_ctl`.
    public func register(_ fd: Int32, events: UInt32, handler: any EventLoopHandler) throws(SocketError) {
        assert(inEventLoop)
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else { throw .fromErrno("epoll_ctl add") }
        handlers[fd] = handler
    }

    /// Changes the event mask of a registered descriptor (loop thread only).
    public func modify(_ fd: Int32, events: UInt32) {
        assert(inEventLoop)
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        _ = epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    /// Removes a descriptor before it is closed (loop thread only).
    public func deregister(_ fd: Int32) {
        assert(inEventLoop)
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
        handlers[fd] = nil
    }

    /// Adds a handler run on every tick (loop thread only), e.g. a timeout sweep.
    public func addTickHandler(_ handler: @escaping () -> Void) {
        assert(inEventLoop)
        tickHandlers.append(handler)
    }

    /// Stops the loop after the current iteration and waits for its thread to end (call off the loop).
    public func shutdown() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
        if !inEventLoop { finished.wait() }
    }

    /// Nanoseconds from a monotonic clock.
    public static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    func run() {
        let capacity = 256
        var events = [epoll_event](repeating: epoll_event(), count: capacity)
        let (seconds, attoseconds) = tickInterval.components
        let tickNanos = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        let timeoutMillis = Int32(max(1, tickNanos / 1_000_000))
        lastTick = now
        while running.load(ordering: .acquiring) {
            let count = events.withUnsafeMutableBufferPointer { buffer in
                epoll_wait(epollFD, buffer.baseAddress, Int32(capacity), timeoutMillis)
            }
            now = Self.monotonicNanoseconds()
            if count > 0 {
                for index in 0..<Int(count) {
                    let event = events[index]
                    let fd = event.data.fd
                    if fd == wakeFD {
                        var value: UInt64 = 0
                        _ = Glibc.read(wakeFD, &value, 8)
                        continue
                    }
                    handlers[fd]?.handleEvents(event.events)
                }
            }
            if now &- lastTick >= tickNanos {
                lastTick = now
                for handler in tickHandlers { handler() }
            }
            runPending()
        }
        // The last drain marks the queue stopped in the same critical section that finds it
        // empty: work added after that is the callers' to run, none falls in between.
        wakeScheduled.store(false, ordering: .releasing)
        while true {
            let batch = pending.withLock { queue -> [@Sendable () -> Void] in
                if queue.work.isEmpty { queue.stopped = true }
                return Self.take(&queue)
            }
            if batch.isEmpty { return }
            for work in batch { work() }
        }
    }

    func runPending() {
        wakeScheduled.store(false, ordering: .releasing)
        while true {
            let batch = pending.withLock { Self.take(&$0) }
            if batch.isEmpty { return }
            for work in batch { work() }
        }
    }

    /// Runs the queued work of a stopped loop on this thread unless another thread already is;
    /// that one then runs what was just queued too (it re-checks the queue after letting go).
    func drainAfterStop() {
        let me = pthread_self()
        while drainer.compareExchange(expected: 0, desired: me, ordering: .acquiringAndReleasing).exchanged {
            while true {
                let batch = pending.withLock { Self.take(&$0) }
                if batch.isEmpty { break }
                for work in batch { work() }
            }
            drainer.store(0, ordering: .releasing)
            // Work queued while this thread held the drainer role but after its last look.
            if pending.withLock({ $0.work.isEmpty }) { return }
        }
    }

    private static func take(_ queue: inout WorkQueue) -> [@Sendable () -> Void] {
        let batch = queue.work
        queue.work.removeAll(keepingCapacity: true)
        return batch
    }
}
