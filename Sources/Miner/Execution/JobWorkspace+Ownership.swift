import Glibc

extension JobWorkspace {
    /// Hands the workspace to the job's user before it runs: the job may write `work/` and
    /// `output/` (its own), read `input/` (the miner's, group-readable), and nothing else of the
    /// job directory: `state.json` and `logs/` stay the miner's alone. Other job users are
    /// neither owner nor group, so they cannot even enter the directory.
    /// - Throws: `.io` naming the path whose owner or mode could not be set.
    func grant(to lease: JobUserPool.Lease, inputNames: [String]) throws(ExecutionFailure) {
        let miner = geteuid()
        try own(work, uid: lease.uid, gid: lease.gid, mode: 0o700)
        try own(output, uid: lease.uid, gid: lease.gid, mode: 0o700)
        for name in inputNames {
            var info = stat()
            let path = input + "/" + name
            guard lstat(path, &info) == 0 else { continue }
            guard info.st_mode & S_IFMT == S_IFREG else { continue }
            try own(path, uid: miner, gid: lease.gid, mode: 0o640)
        }
        try own(input, uid: miner, gid: lease.gid, mode: 0o750)
        try own(jobDirectory, uid: miner, gid: lease.gid, mode: 0o710)
    }

    /// Takes the workspace back once the job's processes are gone: the next job to get the
    /// same uid must not find this job's folder open to it.
    /// - Throws: `.io` naming the path.
    func seal() throws(ExecutionFailure) {
        let (uid, gid) = (geteuid(), getegid())
        try own(jobDirectory, uid: uid, gid: gid, mode: 0o700)
        try own(work, uid: uid, gid: gid, mode: 0o700)
        try own(output, uid: uid, gid: gid, mode: 0o700)
    }

    /// lchown + chmod of a path the miner built (never through a symlink: lchown changes the
    /// link itself and chmod is only called on what lstat showed to be no link).
    private func own(_ path: String, uid: UInt32, gid: UInt32, mode: mode_t) throws(ExecutionFailure) {
        guard lchown(path, uid, gid) == 0 else { throw .io(path: path, errno: errno) }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw .io(path: path, errno: errno) }
        guard info.st_mode & S_IFMT != S_IFLNK else { throw .io(path: path, errno: ELOOP) }
        guard chmod(path, mode) == 0 else { throw .io(path: path, errno: errno) }
    }
}
