import Glibc

/// Creates the files the miner writes inside a job directory, which the job (same uid) can
/// also write to.
///
/// `O_TRUNC` on an existing name would follow a hard link the job planted there (say, to the
/// miner's key file) and truncate the target; `O_NOFOLLOW` only covers symlinks. So the name
/// is unlinked first and created with `O_EXCL` (a link planted in between makes the open fail,
/// never redirect it), and the new file must have exactly one link and be ours.
enum FreshFile {
    /// A new, empty, write-only file `name` in `directory` (mode 0600); returns its descriptor.
    /// - Throws: `.io` with the errno (`EEXIST` when something raced in, `EMLINK`/`EPERM`
    ///   when the file is linked elsewhere or not ours).
    static func create(in directory: Int32, name: String, path: String) throws(ExecutionFailure) -> Int32 {
        if unlinkat(directory, name, 0) != 0, errno != ENOENT {
            throw .io(path: path, errno: errno)
        }
        let descriptor = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io(path: path, errno: errno) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw .io(path: path, errno: code)
        }
        guard info.st_nlink == 1, info.st_uid == geteuid(), info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw .io(path: path, errno: info.st_uid == geteuid() ? EMLINK : EPERM)
        }
        return descriptor
    }
}
