import Cryptography
import Glibc
import JSON

/// Lists and hashes the regular files under a job's `output/` (spec/miner.md §7 `artifacts`).
///
/// Walks with `openat(O_NOFOLLOW)` from the job directory down, so neither a symlinked
/// `output/` nor a symlink inside it is ever followed; such entries are skipped.
enum ArtifactScanner {
    /// Most artifacts listed for one job.
    static let maxArtifacts = 1000
    /// Deepest subdirectory searched.
    static let maxDepth = 8

    /// One regular file: path relative to `output/`, size and SHA-256 (nil when not hashed,
    /// with the reason in `unhashedReason`).
    struct Artifact: Equatable, Sendable {
        var path: String
        var bytes: Int
        var sha256: String?
        var unhashedReason: String? = nil

        /// `{path, bytes, sha256}`, or `{path, bytes, unhashed: <why>}` for a file past the cap.
        var json: JSONValue {
            var members: [JSONMember] = [
                JSONMember(key: "path", value: .string(path)), JSONMember(key: "bytes", value: .integer(JSONInteger(bytes))),
            ]
            if let sha256 { members.append(JSONMember(key: "sha256", value: .string(sha256))) }
            if let unhashedReason { members.append(JSONMember(key: "unhashed", value: .string(unhashedReason))) }
            return .object(members)
        }
    }

    /// Bytes still allowed to be hashed for one job.
    private struct Budget {
        let cap: Int
        var left: Int
    }

    /// Artifacts under `<jobDirectory>/output`, sorted by path; empty when it is missing or not a
    /// directory. At most `maxHashedBytes` are read over all files: a file that does not fit the
    /// rest of the budget is listed with its size and no hash. Blocks (disk reads): call it
    /// from a thread of its own, never from async code.
    static func scan(jobDirectory: String, maxHashedBytes: Int) -> [Artifact] {
        let job = open(jobDirectory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard job >= 0 else { return [] }
        defer { close(job) }
        let output = openat(job, "output", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard output >= 0 else { return [] }
        var found: [Artifact] = []
        var budget = Budget(cap: max(0, maxHashedBytes), left: max(0, maxHashedBytes))
        walk(directory: output, prefix: "", depth: 0, budget: &budget, into: &found)
        return found.sorted { $0.path < $1.path }
    }

    /// Walks `directory` (and closes it).
    private static func walk(directory: Int32, prefix: String, depth: Int, budget: inout Budget, into found: inout [Artifact]) {
        guard let stream = fdopendir(directory) else {
            close(directory)
            return
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        for name in names.sorted() where found.count < maxArtifacts {
            var info = stat()
            guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                if let artifact = hash(directory: directory, name: name, path: prefix + name, budget: &budget) {
                    found.append(artifact)
                }
            case S_IFDIR where depth < maxDepth:
                let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child >= 0 { walk(directory: child, prefix: prefix + name + "/", depth: depth + 1, budget: &budget, into: &found) }
            default:
                continue
            }
        }
    }

    private static func hash(directory: Int32, name: String, path: String, budget: inout Budget) -> Artifact? {
        // O_NONBLOCK: a FIFO swapped in after fstatat must not block the miner.
        let file = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard file >= 0 else { return nil }
        defer { close(file) }
        var info = stat()
        guard fstat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let size = Int(clamping: info.st_size)
        let overCap = Artifact(
            path: path, bytes: size, sha256: nil,
            unhashedReason: "not hashed: the job's artifacts exceed the hashing cap of \(budget.cap) bytes")
        guard size <= budget.left else { return overCap }
        var hasher = SHA256.Hasher()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var total = 0
        while true {
            let got = buffer.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { return nil }
            if got == 0 { break }
            // A file still growing (something outside the group writing) never reads past the cap.
            guard got <= budget.left - total else {
                budget.left -= total
                return Artifact(path: path, bytes: max(size, total + got), sha256: nil, unhashedReason: overCap.unhashedReason)
            }
            hasher.update(Array(buffer[..<got]))
            total += got
        }
        budget.left -= total
        return Artifact(path: path, bytes: total, sha256: Hex.encode(hasher.finalize()))
    }
}
