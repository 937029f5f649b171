import Synchronization

/// The children this process started itself, by pid, so that an orphan sweeper (a child
/// subreaper inherits other processes' orphans) can tell them from orphans.
///
/// One lock is held across each spawn and its registration, and across each sweep: a sweep
/// never sees a just-spawned child unregistered. A pid stays registered until its owner has
/// reaped it (only the owner waits for it, by pid), so it cannot be reused meanwhile; the
/// count covers a pid reused by a new child before the previous owner's `forget`.
public enum SpawnRegistry {
    private static let children = Mutex<[Int32: Int]>([:])

    /// Runs `spawn` (which returns the new child's pid) with the lock held and registers the pid.
    /// - Throws: whatever `spawn` throws; nothing is registered then.
    public static func spawn<E: Error>(_ spawn: () throws(E) -> Int32) throws(E) -> Int32 {
        try children.withLock { (children: inout [Int32: Int]) throws(E) -> Int32 in
            let pid = try spawn()
            if pid > 0 { children[pid, default: 0] += 1 }
            return pid
        }
    }

    /// Runs `body` with the lock held and registers nothing: for a probe that forks a child and
    /// reaps it by pid before returning, so no sweep runs while that child exists.
    public static func holding<T: Sendable>(_ body: () -> T) -> T {
        children.withLock { _ in body() }
    }

    /// Forgets `pid` once its owner has reaped it.
    public static func forget(_ pid: Int32) {
        children.withLock { children in
            guard let count = children[pid] else { return }
            children[pid] = count > 1 ? count - 1 : nil
        }
    }

    /// Runs `body` with the lock held (no child is spawned meanwhile); `body` gets a test for
    /// "this pid was spawned here and not yet reaped by its owner".
    public static func sweeping<T: Sendable>(_ body: (_ isRegistered: (Int32) -> Bool) -> T) -> T {
        children.withLock { children in
            let known = children
            return body { known[$0] != nil }
        }
    }
}
