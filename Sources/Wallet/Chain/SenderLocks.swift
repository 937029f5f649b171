import Synchronization

/// One async lock per sender address, handed over in arrival order (FIFO): the nonce
/// allocator holds a sender's lock from choosing a nonce until the node has answered the
/// transaction that carries it.
///
/// Waiting suspends the task (never blocks a thread). A key's entry exists only while its lock
/// is held, so memory follows the senders in flight, not every sender ever seen.
final class SenderLocks<Key: Hashable & Sendable>: Sendable {
    private let state = Mutex<[Key: [CheckedContinuation<Void, Never>]]>([:])

    /// Waits until `key`'s lock is free, and takes it.
    func acquire(_ key: Key) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { held -> Bool in
                if held[key] == nil {
                    held[key] = []
                    return true
                }
                held[key, default: []].append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    /// Releases `key`'s lock, handing it to the longest waiter if there is one.
    func release(_ key: Key) {
        let next = state.withLock { held -> CheckedContinuation<Void, Never>? in
            guard var waiters = held[key] else { return nil }
            guard !waiters.isEmpty else {
                held[key] = nil
                return nil
            }
            let first = waiters.removeFirst()
            held[key] = waiters
            return first
        }
        next?.resume()
    }

    /// Locks currently held (tests: nothing is left held after a run).
    var heldCount: Int { state.withLock { $0.count } }
}
