import Foundation
import WireModels
import Glibc

/// One job's directory `<root>/<job_id>/{input,work,output,logs}` (spec/miner.md §8).
///
/// Every path the miner itself touches is built from the resolved root plus names it checked,
/// and every open uses `O_NOFOLLOW` relative to a directory descriptor, so a symlink the job
/// plants never leads miner-side file handling outside the job directory.
struct JobWorkspace: Sendable {
    /// Resolved job directory.
    let jobDirectory: String

    var input: String { jobDirectory + "/input" }
    var work: String { jobDirectory + "/work" }
    var output: String { jobDirectory + "/output" }
    var logs: String { jobDirectory + "/logs" }

    static let subdirectories = ["input", "work", "output", "logs"]

    /// Creates (or accepts) the job directory and its parts, all 0700; a `JobID` (32 lowercase
    /// hex) is always one safe path component.
    /// - Throws: `.io` or `.runtime` when a part exists but is not a directory we own.
    /// - Parameter jobUsers: when jobs run as other uids, directories a crashed run left owned
    ///   by one of them are taken back, and the root becomes 0711 (searchable, not listable).
    static func prepare(root: String, jobID: JobID, jobUsers: JobUserRange? = nil) throws(ExecutionFailure) -> JobWorkspace {
        do {
            try FileManager.default.createDirectory(
                atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io(path: root, errno: EACCES)
        }
        guard let resolved = realpath(root, nil) else { throw .io(path: root, errno: errno) }
        let realRoot = String(cString: resolved)
        free(resolved)
        if jobUsers != nil, chmod(realRoot, 0o711) != 0 { throw .io(path: realRoot, errno: errno) }
        let jobDirectory = (realRoot == "/" ? "" : realRoot) + "/" + jobID.rawValue
        try makeOwnedDirectory(jobDirectory, jobUsers: jobUsers)
        for name in subdirectories {
            try makeOwnedDirectory(jobDirectory + "/" + name, jobUsers: jobUsers)
            // A re-assigned job id finds the previous run's files: start from empty folders so
            // nothing stale is read as input or reported as an artifact. state.json, beside
            // them, belongs to the control loop and stays.
            try emptyDirectory(jobDirectory + "/" + name)
        }
        let workspace = JobWorkspace(jobDirectory: jobDirectory)
        try workspace.linkIntoWork("input")
        try workspace.linkIntoWork("output")
        return workspace
    }

    /// `work/<name>` → `../<name>`: a tool runs in `work/` and may not name `../…` (arguments
    /// with `..` are denied), so `input/x` and `output/y` must resolve from there. Only the
    /// tool follows these links; the miner opens `input/` and `output/` by their real paths
    /// with `O_NOFOLLOW`, so a job replacing them with links of its own redirects nothing.
    private func linkIntoWork(_ name: String) throws(ExecutionFailure) {
        let link = work + "/" + name
        guard symlink("../" + name, link) == 0 || errno == EEXIST else { throw .io(path: link, errno: errno) }
    }

    /// `mkdir` 0700, or accept an existing real directory owned by us or, left by a run that
    /// was never sealed, by a job user (lstat: never a symlink).
    private static func makeOwnedDirectory(_ path: String, jobUsers: JobUserRange?) throws(ExecutionFailure) {
        if mkdir(path, 0o700) == 0 { return }
        guard errno == EEXIST else { throw .io(path: path, errno: errno) }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw .io(path: path, errno: errno) }
        let jobOwned = jobUsers?.contains(uid: info.st_uid) ?? false
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid() || jobOwned else {
            throw .runtime("\(path) exists and is not a directory owned by the miner")
        }
        if jobOwned, lchown(path, geteuid(), getegid()) != 0 { throw .io(path: path, errno: errno) }
        // A previous job may have changed its mode; the miner needs rwx to empty and use it.
        guard chmod(path, 0o700) == 0 else { throw .io(path: path, errno: errno) }
    }

    /// Writes `text` to `input/<name>` without following a symlink there, and hard-links it
    /// as `work/<name>`: a CLI job runs in `work/` and may not name `../input/…` (arguments
    /// with `..` are denied), so the input must be reachable by its plain name.
    /// - Throws: `.io` naming the file.
    func writeInput(_ text: String, name: String = "input.txt") throws(ExecutionFailure) {
        let path = input + "/" + name
        let directory = open(input, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { throw .io(path: input, errno: errno) }
        defer { close(directory) }
        try writeFile(text, name: name, in: directory, path: path)
        let workDirectory = open(work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard workDirectory >= 0 else { throw .io(path: work, errno: errno) }
        defer { close(workDirectory) }
        // Whatever the name held before (a stale input, a planted link) is replaced.
        if unlinkat(workDirectory, name, 0) != 0, errno != ENOENT { throw .io(path: work + "/" + name, errno: errno) }
        // flags 0: linkat never follows a symlink at the source.
        guard linkat(directory, name, workDirectory, name, 0) == 0 else {
            throw .io(path: work + "/" + name, errno: errno)
        }
    }

    private func writeFile(_ text: String, name: String, in directory: Int32, path: String) throws(ExecutionFailure) {
        let file = try FreshFile.create(in: directory, name: name, path: path)
        defer { close(file) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let result = bytes.withUnsafeBytes { Glibc.write(file, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, errno: errno)
            }
            bytes = bytes.dropFirst(result)
        }
    }
}
