import Foundation
import Glibc

/// Large results on disk: `DATA_DIR/results/<job_id>.json`.
///
/// A result is first written and fsynced under a temporary name outside the database
/// transaction; inside it, after the job's checks pass, `publish` renames it into place
/// (atomic, POSIX rename(2)), so the file is complete before the commit that references it.
struct ResultFileStore: Sendable {
    /// `DATA_DIR/results`.
    let directory: String

    init(dataDirectory: String) {
        directory = dataDirectory.hasSuffix("/") ? dataDirectory + "results" : dataDirectory + "/results"
    }

    /// The reference stored in `job.result_ref`.
    static func reference(jobID: String) -> String { "results/\(jobID).json" }

    private func finalPath(jobID: String) -> String { "\(directory)/\(jobID).json" }

    /// Writes `bytes` to a fresh temporary file and fsyncs it; returns its path.
    /// - Throws: `CoordinatorError.storage` on I/O failure.
    func writeTemporary(jobID: String, bytes: [UInt8]) throws(CoordinatorError) -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .storage("cannot create \(directory): \(error)")
        }
        let path = "\(directory)/.\(jobID).\(Identifiers.uuidHex()).tmp"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .storage("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw .storage("write \(path): \(reason)")
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw .storage("fsync \(path): \(reason)")
        }
        return path
    }

    /// Renames a temporary file to the job's final name.
    ///
    /// Idempotent: `Database.writeBatched` may run a transaction body a second time (when another
    /// body of its batch failed), and then the first run already moved the file into place.
    /// - Throws: `CoordinatorError.storage` when rename(2) fails for another reason.
    func publish(temporaryPath: String, jobID: String) throws(CoordinatorError) {
        let target = finalPath(jobID: jobID)
        guard rename(temporaryPath, target) == 0 else {
            let code = errno
            if code == ENOENT, access(target, F_OK) == 0 { return }
            throw .storage("rename to \(target): \(String(cString: strerror(code)))")
        }
        // Make the rename itself durable (POSIX leaves directory entries to the directory's fsync).
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// Removes a temporary file that was not published.
    func discard(temporaryPath: String) { unlink(temporaryPath) }

    /// Reads a stored result.
    /// - Throws: `CoordinatorError.storage` when the file is missing or unreadable.
    func read(jobID: String) throws(CoordinatorError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: finalPath(jobID: jobID)) else {
            throw .storage("result file for job \(jobID) is missing")
        }
        return [UInt8](data)
    }
}
