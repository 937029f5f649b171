public import Foundation
import Synchronization

/// Starts child processes one at a time across the whole process (daemons and tests alike).
///
/// swift-corelibs-foundation's `Process.run()` is not safe to call from several threads at
/// once: a clean-clone CI run crashed inside it (a `memcpy` fault) while the curl, Python,
/// CLI and coordinator suites launched children in parallel. Launching is cheap; waiting for
/// the child stays concurrent.
public enum ProcessLaunch {
    private static let lock = Mutex(())

    /// Runs `process.run()` under the process-wide launch lock (tests and the miner's helpers use it).
    /// - Throws: whatever `Process.run()` throws.
    public static func run(_ process: Process) throws {
        try lock.withLock { _ in try process.run() }
    }
}
