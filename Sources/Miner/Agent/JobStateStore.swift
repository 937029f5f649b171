import Foundation
import WireModels
import Glibc
import JSON
import Synchronization

/// Persists each job's `state.json` under `<root>/<job_id>/` (spec/miner.md §9).
///
/// Writes are atomic: a temporary file is written, fsynced and renamed over `state.json`,
/// then the directory is fsynced, so a crash at any point leaves the old or the new record,
/// never a torn one.
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
        let bytes: [UInt8]
        do {
            bytes = try JSONSerializer().serialize(record.json) + [0x0A]
        } catch {
            throw JobStateError("state of \(record.jobID) not serializable: \(error)")
        }
        let directory = directory(of: record.jobID)
        try lock.withLock { _ throws(JobStateError) in
            if mkdir(directory, 0o700) != 0, errno != EEXIST { throw Self.failure("mkdir", directory) }
            let temporary = "\(directory)/\(Self.fileName).tmp"
            // A job runs as our user and may plant a hard link to one of our files at this name
            // (O_NOFOLLOW does not stop hard links): remove whatever is there and create afresh.
            if unlink(temporary) != 0, errno != ENOENT { throw Self.failure("unlink", temporary) }
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600))
            guard fd >= 0 else { throw Self.failure("open", temporary) }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    let error = Self.failure("write", temporary)
                    close(fd)
                    throw error
                }
                offset += written
            }
            guard fsync(fd) == 0 else {
                let error = Self.failure("fsync", temporary)
                close(fd)
                throw error
            }
            close(fd)
            let target = "\(directory)/\(Self.fileName)"
            guard rename(temporary, target) == 0 else { throw Self.failure("rename", target) }
            // The rename is durable only once the directory entry is on disk.
            let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directoryFD >= 0 {
                _ = fsync(directoryFD)
                close(directoryFD)
            }
        }
    }

    /// The record of `jobID`, or nil when absent or unreadable.
    public func read(jobID: String) -> JobStateRecord? {
        guard JobID(jobID) != nil else { return nil }
        let path = "\(directory(of: jobID))/\(Self.fileName)"
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= Self.maxFileBytes,
            let data = FileManager.default.contents(atPath: path),
            let json = try? JSONParser(limits: .init(maxInputBytes: Self.maxFileBytes)).parse(Array(data)),
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

    private static func failure(_ call: String, _ path: String) -> JobStateError {
        JobStateError("\(call)(\(path)): \(String(cString: strerror(errno)))")
    }
}
