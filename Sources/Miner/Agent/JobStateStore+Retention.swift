public import Foundation
import Glibc

extension JobStateStore {
    /// Removes the folders of finished jobs past retention (spec/miner.md §8): completed jobs
    /// (`DONE`) after `keepSucceeded`, failed, abandoned or stopped ones after `keepFailed`, counted
    /// from their `state.json`'s last change. Jobs still running or reporting, folders without
    /// a readable record, and anything whose name is not a job id are never touched. Blocking:
    /// call it off the cooperative pool.
    /// - Returns: the job ids removed.
    public func removeExpired(keepSucceeded: Duration, keepFailed: Duration, now: Date = Date()) -> [String] {
        var removed: [String] = []
        for record in scan() {
            let keep: Duration
            switch record.state {
            case .done: keep = keepSucceeded
            case .failed, .abandoned, .stopped: keep = keepFailed
            case .assigned, .running, .reporting: continue
            }
            let directory = directory(of: record.jobID)
            var info = stat()
            guard lstat("\(directory)/\(Self.fileName)", &info) == 0 else { continue }
            let changed = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
            let (seconds, _) = keep.components
            guard now.timeIntervalSince(changed) >= TimeInterval(seconds) else { continue }
            // removeItem deletes symlinks a job left behind; it never follows them.
            if (try? FileManager.default.removeItem(atPath: directory)) != nil { removed.append(record.jobID) }
        }
        return removed
    }
}
