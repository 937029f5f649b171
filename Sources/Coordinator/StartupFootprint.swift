import Glibc

/// What one start-up creates on disk, so that a start which fails — a port already taken, a
/// database that cannot be opened — leaves nothing behind (issue #12: a failed bind left a
/// fresh `coordinator.db`, and the next start took it for an existing installation).
///
/// `prepare` creates `DATA_DIR` (and missing parents) mode 0700 with `mkdir(2)`, so a failure
/// names the path and the `strerror` text rather than a Foundation error code; it notes which
/// directories and database files did not exist yet. `removeCreated` deletes exactly those:
/// database files this start created, then its directories, innermost first, each only if
/// empty (`rmdir(2)`), so nothing that was there before, or that someone else put there since,
/// is ever removed.
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
    /// Database files (main file and SQLite companions) that did not exist before this start.
    public private(set) var newDatabaseFiles: [String] = []

    /// Creates the data directory and notes what existed.
    /// - Throws: `StartupFootprint.Failure` naming the path and `strerror` text; anything this
    ///   call created before failing is removed again.
    public static func prepare(_ configuration: CoordinatorConfiguration) throws(Failure) -> StartupFootprint {
        var footprint = StartupFootprint()
        footprint.newDatabaseFiles = DatabaseFileMode.companions.map { configuration.databasePath + $0 }.filter { !exists($0) }
        do {
            try footprint.makeDirectory(configuration.dataDirectory, setting: "DATA_DIR")
        } catch {
            footprint.removeCreated()
            throw error
        }
        return footprint
    }

    /// Removes what this start created: its new database files, then its directories
    /// (innermost first, only when empty).
    public func removeCreated() {
        for file in newDatabaseFiles where Self.exists(file) { unlink(file) }
        for directory in createdDirectories.reversed() { rmdir(directory) }
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// `mkdir -p` with mode 0700, recording each directory it creates; an existing final
    /// directory must be ours and is tightened to 0700 (as `DataDirectory.prepare` does).
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
        if status.st_mode & 0o777 != 0o700, chmod(absolute, 0o700) != 0 {
            throw Failure(setting: setting, path: absolute, reason: "chmod 0700: \(String(cString: strerror(errno)))")
        }
    }

    static func currentDirectory() -> String {
        // glibc allocates the buffer when given none.
        guard let pointer = getcwd(nil, 0) else { return "." }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
