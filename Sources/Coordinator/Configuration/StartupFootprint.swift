import Glibc

/// What one start-up creates on disk, so that a start which fails — a port already taken, a
/// database that cannot be opened — leaves nothing behind (issue #12: a failed bind left a
/// fresh `coordinator.db`, and the next start took it for an existing installation).
///
/// `prepare` creates `DATA_DIR` (and missing parents) mode 0700 with `mkdir(2)`, so a failure
/// names the path and the `strerror` text rather than a Foundation error code. It then opens
/// the database file — creating it with `O_EXCL` when missing, which is how it knows the file is
/// its own — and holds an exclusive `flock(2)` on it for the life of the process: a second
/// coordinator on the same database is refused before it touches it (SQLite's own locks are
/// `fcntl` locks and independent of this one). `removeCreated` deletes only what this start
/// created under that lock: the database files when it created the database (never a
/// database that existed, nor its WAL, which may hold committed pages), then its directories,
/// innermost first, each only if empty (`rmdir(2)`).
public struct StartupFootprint: Sendable {
    /// A start-up step on disk that failed: the setting, the path and the system's reason.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The setting that names the path (`DATA_DIR`).
        public let setting: String
        /// The path the system call failed on.
        public let path: String
        /// `call: strerror text`, or a short explanation.
        public let reason: String

        /// `DATA_DIR: /path: mkdir: Permission denied`.
        public var description: String { "\(setting): \(path): \(reason)" }
    }

    /// Directories this start created, outermost first.
    public private(set) var createdDirectories: [String] = []
    /// Database files (main file and SQLite companions) this start created and may remove:
    /// empty unless it created the database itself.
    public private(set) var newDatabaseFiles: [String] = []
    /// The descriptor holding the database's `flock`; kept open (never closed) so the lock
    /// lasts as long as the process.
    public private(set) var lockDescriptor: Int32 = -1

    /// Creates the data directory and notes what existed.
    /// - Throws: `StartupFootprint.Failure` naming the path and `strerror` text; anything this
    ///   call created before failing is removed again.
    public static func prepare(_ configuration: CoordinatorConfiguration) throws(Failure) -> StartupFootprint {
        var footprint = StartupFootprint()
        do {
            try footprint.makeDirectory(configuration.dataDirectory, setting: "DATA_DIR")
            try footprint.lockDatabase(configuration.databasePath)
        } catch {
            footprint.removeCreated()
            throw error
        }
        return footprint
    }

    /// Opens (creating it when missing, `O_EXCL`) and `flock`s the database file.
    mutating func lockDatabase(_ path: String) throws(Failure) {
        var created = true
        var descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0 && errno == EEXIST {
            created = false
            descriptor = open(path, O_RDWR | O_CLOEXEC)
        }
        guard descriptor >= 0 else {
            throw Failure(setting: "DATABASE_URL", path: path, reason: "open: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw Failure(setting: "DATABASE_URL", path: path, reason: "is not a regular file")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            // Another process holds it (it may have opened the file this start just made):
            // nothing here is removed.
            throw Failure(
                setting: "DATABASE_URL", path: path,
                reason: code == EWOULDBLOCK
                    ? "in use by another aitbc-coordinator (it holds the lock); stop that one first or use another DATA_DIR"
                    : "flock: \(String(cString: strerror(code)))")
        }
        lockDescriptor = descriptor
        if created { newDatabaseFiles = DatabaseFileMode.companions.map { path + $0 } }
    }

    /// Removes what this start created: its new database files, then its directories
    /// (innermost first, only when empty).
    public func removeCreated() {
        // Only under the lock: then no other coordinator can have opened the files.
        if lockDescriptor >= 0 {
            for file in newDatabaseFiles where Self.exists(file) { unlink(file) }
        }
        for directory in createdDirectories.reversed() { rmdir(directory) }
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// `mkdir -p` with mode 0700, recording each directory it creates. An existing final
    /// directory must be ours and is left as it is (its mode is the operator's: `DATA_DIR=/srv`
    /// tightened to 0700 would break everyone else), but one that others may write to is
    /// refused — anyone could plant or swap files beside the database there.
    mutating func makeDirectory(_ path: String, setting: String) throws(Failure) {
        let absolute = path.hasPrefix("/") ? path : Self.currentDirectory() + "/" + path
        var prefix = ""
        for component in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            guard component != "." && component != ".." else { continue }
            var status = stat()
            if stat(prefix, &status) == 0 {
                guard status.st_mode & S_IFMT == S_IFDIR else {
                    throw Failure(setting: setting, path: prefix, reason: "exists and is not a directory")
                }
                continue
            }
            let code = errno
            guard code == ENOENT else {
                throw Failure(setting: setting, path: prefix, reason: "stat: \(String(cString: strerror(code)))")
            }
            guard mkdir(prefix, 0o700) == 0 else {
                throw Failure(setting: setting, path: prefix, reason: "mkdir: \(String(cString: strerror(errno)))")
            }
            createdDirectories.append(prefix)
        }
        var status = stat()
        guard stat(absolute, &status) == 0 else {
            throw Failure(setting: setting, path: absolute, reason: "stat: \(String(cString: strerror(errno)))")
        }
        guard status.st_uid == geteuid() else {
            throw Failure(setting: setting, path: absolute, reason: "belongs to uid \(status.st_uid), not to this user")
        }
        guard status.st_mode & 0o022 == 0 else {
            throw Failure(
                setting: setting, path: absolute,
                reason: "group or others may write to it (mode \(String(status.st_mode & 0o7777, radix: 8))): use a directory of its own")
        }
    }

    static func currentDirectory() -> String {
        // glibc allocates the buffer when given none.
        guard let pointer = getcwd(nil, 0) else { return "." }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
