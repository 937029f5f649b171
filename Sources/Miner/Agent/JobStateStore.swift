import Foundation
import WireModels
import JSON
import Synchronization

/// Persists each job's `state.json` under `<root>/<job_id>/` (spec/miner.md §9).
///
/// Writes are atomic (`StateFile`): a temporary file is written, fsynced and renamed over
/// `state.json`, then the directory is fsynced, so a crash at any point leaves the old or the
/// new record, never a torn one.
public final class JobStateStore: Sendable {
    /// Name of the state file inside a job directory.
    public static let fileName = "state.json"
    /// Largest state file read back (a pending report holds a job's result, capped by the coordinator).
    public static let maxFileBytes = 32 * 1024 * 1024

    /// The workspace root.
    public let root: String
    // One writer at a time: a job's worker and its executor's onSpawn callback may both write.
    private let lock = Mutex(())

    /// A store rooted at `root` (created by the daemon with mode 0700).
    public init(root: String) {
        self.root = root
    }

    /// The job's directory (the id must already be a `JobID`: 32 lowercase hex, one safe path component).
    public func directory(of jobID: String) -> String { "\(root)/\(jobID)" }

    /// Writes `record` atomically, creating the job directory with mode 0700 when absent.
    /// - Throws: `JobStateError` for an invalid id or a failed system call.
    public func write(_ record: JobStateRecord) throws(JobStateError) {
        guard JobID(record.jobID) != nil else { throw JobStateError("invalid job id") }
        let bytes = try StateFile.bytes(of: record.json, what: "state of \(record.jobID)")
        let directory = directory(of: record.jobID)
        try lock.withLock { _ throws(JobStateError) in try StateFile.replace(bytes, directory: directory, name: Self.fileName) }
    }

    /// The record of `jobID`, or nil when absent or unreadable.
    public func read(jobID: String) -> JobStateRecord? {
        guard JobID(jobID) != nil,
            let json = StateFile.readJSON(path: "\(directory(of: jobID))/\(Self.fileName)", maxBytes: Self.maxFileBytes),
            let record = JobStateRecord(json: json), record.jobID == jobID
        else { return nil }
        return record
    }

    /// Every readable record under the root (`<root>/*/state.json`), ordered by job id.
    /// Directories whose name is not a valid job id, and unreadable files, are skipped.
    public func scan() -> [JobStateRecord] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return [] }
        return names.sorted().compactMap { name in JobID(name) != nil ? read(jobID: name) : nil }
    }
}
