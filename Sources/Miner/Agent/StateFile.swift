import Foundation
import Glibc
import JSON

/// The crash-safe file replacement every miner state store uses (job `state.json`, receipt
/// claims): a crash at any point leaves the old or the new file, never a torn one.
enum StateFile {
    /// Writes `bytes` to `directory/name`: a temporary file is created afresh, written, fsynced
    /// and renamed over the name, then the directory is fsynced (a rename is durable only once
    /// the directory entry is on disk). `directory` is created with mode 0700 when absent.
    /// Callers serialize writes to one directory.
    /// - Throws: `JobStateError` naming the failed call and path.
    static func replace(_ bytes: [UInt8], directory: String, name: String) throws(JobStateError) {
        if mkdir(directory, 0o700) != 0, errno != EEXIST { throw failure("mkdir", directory) }
        let temporary = "\(directory)/\(name).tmp"
        // A job runs as our user and may plant a hard link to one of our files at this name
        // (O_NOFOLLOW does not stop hard links): remove whatever is there and create afresh.
        if unlink(temporary) != 0, errno != ENOENT { throw failure("unlink", temporary) }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(0o600))
        guard fd >= 0 else { throw failure("open", temporary) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                let error = failure("write", temporary)
                close(fd)
                throw error
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            let error = failure("fsync", temporary)
            close(fd)
            throw error
        }
        close(fd)
        let target = "\(directory)/\(name)"
        guard rename(temporary, target) == 0 else { throw failure("rename", target) }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// The JSON in regular file `path`; nil when absent, not a regular file (a symlink is not
    /// followed), larger than `maxBytes` or not JSON.
    static func readJSON(path: String, maxBytes: Int) -> JSONValue? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= maxBytes,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        return try? JSONParser(limits: .init(maxInputBytes: maxBytes)).parse(Array(data))
    }

    /// `value` as one line of JSON plus a newline.
    /// - Throws: `JobStateError` when it holds a non-finite number.
    static func bytes(of value: JSONValue, what: String) throws(JobStateError) -> [UInt8] {
        do {
            return try JSONSerializer().serialize(value) + [0x0A]
        } catch {
            throw JobStateError("\(what) not serializable: \(error)")
        }
    }

    static func failure(_ call: String, _ path: String) -> JobStateError {
        JobStateError("\(call)(\(path)): \(String(cString: strerror(errno)))")
    }
}
