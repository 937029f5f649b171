import Glibc

/// Owner-only modes for the coordinator's SQLite files (issue #10, defect 8b). The database
/// holds every payload and result; `DATA_DIR` is created 0700, but `DATABASE_URL` may name a
/// file elsewhere, where the process umask (typically 022) made it 0644.
///
/// The file is created 0600 before SQLite opens it; SQLite creates `-wal`, `-shm` and
/// `-journal` with the main file's mode (`robust_open` copies it), so they follow. An existing
/// file, or a leftover `-wal`/`-shm`, that group or others may access is tightened to 0600 and
/// reported (the caller logs a warning): refusing to start would turn an upgrade into an
/// outage for a permission that is the operator's intent only by accident.
enum DatabaseFileMode {
    /// The suffixes of the files SQLite keeps beside the database.
    static let companions = ["", "-wal", "-shm", "-journal"]

    /// Creates `path` 0600 when missing and tightens it and its companions to 0600 when group
    /// or others have any access. In-memory databases and `file:` URIs are left to SQLite.
    /// - Returns: the paths whose mode was tightened.
    /// - Throws: `CoordinatorError.storage` naming the syscall and `strerror` text.
    static func prepare(path: String) throws(CoordinatorError) -> [String] {
        guard !path.isEmpty, !path.contains(":memory:"), !path.hasPrefix("file:") else { return [] }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw .storage("open \(path): \(String(cString: strerror(errno)))")
        }
        var tightened: [String] = []
        for suffix in companions {
            let file = path + suffix
            var status = stat()
            guard stat(file, &status) == 0 else {
                if errno == ENOENT { continue }
                throw .storage("stat \(file): \(String(cString: strerror(errno)))")
            }
            // Only regular files: a DATABASE_URL naming a directory or a device (/dev/null)
            // must never have its mode changed.
            guard status.st_mode & S_IFMT == S_IFREG else {
                if suffix.isEmpty { throw .storage("\(file) is not a regular file") }
                continue
            }
            guard status.st_mode & 0o077 != 0 else { continue }
            guard chmod(file, 0o600) == 0 else { throw .storage("chmod \(file): \(String(cString: strerror(errno)))") }
            tightened.append(file)
        }
        return tightened
    }
}
