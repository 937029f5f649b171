import FoundationEssentials
import Glibc
import Sockets
import Synchronization

/// Fires `Deadline`s from one dedicated thread (started on first use, never on the
/// cooperative pool).
///
/// Arming and cancelling are a dictionary insert/remove under a lock. The thread sleeps until
/// the earliest armed deadline (plus `slack`, so deadlines close together fire in one wake-up);
/// arming one that is later than that wake-up — the usual case, every request having the same
/// timeout — does not wake it. Cancelled deadlines are simply removed; the thread finds out at
/// its next wake-up.
///
/// `@unchecked Sendable` invariant: `entries`, `wakeAt` and `started` are read and written only
/// with `mutex` held; `mutex` and `condition` are allocated once and never freed (the shared
/// scheduler lives for the process).
final class DeadlineScheduler: @unchecked Sendable {
    /// The scheduler every client deadline uses.
    static let shared = DeadlineScheduler()

    private struct Entry {
        let at: UInt64
        weak var deadline: Deadline?
    }

    /// How late a deadline may fire so that neighbours share a wake-up.
    static let slackNanoseconds: UInt64 = 1_000_000

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private let ids = Atomic<UInt64>(0)
    private var entries: [UInt64: Entry] = [:]
    /// When the thread looks next: `.max` while it waits for the first entry, 0 while it scans.
    private var wakeAt: UInt64 = 0
    private var started = false

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Timed waits against the monotonic clock, like the deadlines themselves.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    /// A fresh identifier for `arm`/`cancel`.
    func makeID() -> UInt64 {
        ids.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Fires `deadline` after `nanoseconds` unless `cancel(id)` comes first. Holds it weakly:
    /// a deadline that is dropped is as good as cancelled.
    func arm(_ deadline: Deadline, id: UInt64, after nanoseconds: UInt64) {
        let now = EventLoop.monotonicNanoseconds()
        let (sum, overflow) = now.addingReportingOverflow(nanoseconds)
        let at = overflow ? UInt64.max - Self.slackNanoseconds : min(sum, UInt64.max - Self.slackNanoseconds)
        pthread_mutex_lock(mutex)
        entries[id] = Entry(at: at, deadline: deadline)
        if !started {
            started = true
            do {
                try DetachedThread.spawn { [self] in run() }
            } catch {
                // No thread now (out of resources): the next arm tries again; until then deadlines wait.
                started = false
            }
        }
        if at < wakeAt { pthread_cond_signal(condition) }
        pthread_mutex_unlock(mutex)
    }

    /// Forgets deadline `id` (disarmed or gone); a no-op once it fired.
    func cancel(_ id: UInt64) {
        pthread_mutex_lock(mutex)
        entries[id] = nil
        pthread_mutex_unlock(mutex)
    }

    private func run() {
        pthread_mutex_lock(mutex)
        while true {
            wakeAt = 0
            let now = EventLoop.monotonicNanoseconds()
            var due: [Deadline] = []
            var dueIDs: [UInt64] = []
            var earliest = UInt64.max
            for (id, entry) in entries {
                if entry.at <= now {
                    dueIDs.append(id)
                    if let deadline = entry.deadline { due.append(deadline) }
                } else {
                    earliest = min(earliest, entry.at)
                }
            }
            for id in dueIDs { entries[id] = nil }
            if !dueIDs.isEmpty {
                // Fire without the lock: `fire` takes the deadline's own lock and hands the
                // abort to the socket's loop.
                pthread_mutex_unlock(mutex)
                for deadline in due { deadline.fire() }
                due = []
                pthread_mutex_lock(mutex)
                continue
            }
            if earliest == .max {
                wakeAt = .max
                pthread_cond_wait(condition, mutex)
            } else {
                wakeAt = earliest + Self.slackNanoseconds
                var until = timespec(
                    tv_sec: Int(wakeAt / 1_000_000_000), tv_nsec: Int(wakeAt % 1_000_000_000))
                pthread_cond_timedwait(condition, mutex, &until)
            }
        }
    }
}
