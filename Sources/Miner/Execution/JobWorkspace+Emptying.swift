import Glibc

extension JobWorkspace {
    /// Deepest nesting removed when emptying a folder; deeper trees fail the job.
    static let maxRemovalDepth = 64

    /// Removes everything inside `path` (a directory we own), never following a symlink:
    /// links are unlinked, subdirectories opened with `O_NOFOLLOW` relative to their parent.
    /// - Throws: `.io` naming the entry that could not be removed.
    static func emptyDirectory(_ path: String) throws(ExecutionFailure) {
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { throw .io(path: path, errno: errno) }
        try removeContents(of: directory, path: path, depth: 0)
    }

    /// Empties `directory` (and closes it). Names stay raw bytes: a name that is not UTF-8
    /// must still be removable.
    private static func removeContents(of directory: Int32, path: String, depth: Int) throws(ExecutionFailure) {
        guard let stream = fdopendir(directory) else {
            let code = errno
            close(directory)
            throw .io(path: path, errno: code)
        }
        defer { closedir(stream) }
        // Write and search permission are needed to unlink entries (the job may have removed them).
        fchmod(directory, 0o700)
        var names: [[CChar]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 }.map { CChar(bitPattern: $0) }) + [0]
            }
            if name != [46, 0] && name != [46, 46, 0] { names.append(name) }
        }
        for name in names {
            let child = path + "/" + String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var info = stat()
            guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                if errno == ENOENT { continue }
                throw .io(path: child, errno: errno)
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                guard depth < maxRemovalDepth else { throw .io(path: child, errno: ELOOP) }
                var descriptor = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if descriptor < 0, errno == EACCES, info.st_uid == geteuid() {
                    // The job may have made a folder unreadable; it is ours, so restore access.
                    fchmodat(directory, name, 0o700, 0)
                    descriptor = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                }
                guard descriptor >= 0 else { throw .io(path: child, errno: errno) }
                try removeContents(of: descriptor, path: child, depth: depth + 1)
                guard unlinkat(directory, name, AT_REMOVEDIR) == 0 || errno == ENOENT else { throw .io(path: child, errno: errno) }
            } else {
                guard unlinkat(directory, name, 0) == 0 || errno == ENOENT else { throw .io(path: child, errno: errno) }
            }
        }
    }
}
