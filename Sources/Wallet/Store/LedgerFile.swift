import Glibc

/// The ledger file made before SQLite opens it: parents as `mkdir -p` does (the innermost 0700
/// when made here), the file itself 0600 — SQLite would create it 0644 under the usual umask,
/// and it holds wallet ids, labels and transfers. SQLite gives its `-wal` and `-shm` files the
/// database file's mode, so they follow. An existing file of ours loses its group/other bits.
enum LedgerFile {
    /// - Throws: `WalletStartupError` naming `LEDGER_DB_PATH`, the path and the failing call.
    static func prepare(_ path: String) throws(WalletStartupError) {
        try makeParents(of: path)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw failure(path, "open", errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(path, "fstat", errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw WalletStartupError(setting: "LEDGER_DB_PATH", path: path, reason: "is not a regular file")
        }
        if info.st_uid == geteuid(), info.st_mode & 0o077 != 0, fchmod(descriptor, info.st_mode & 0o700) != 0 {
            throw failure(path, "chmod", errno)
        }
    }

    private static func makeParents(of path: String) throws(WalletStartupError) {
        var components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty else { throw WalletStartupError(setting: "LEDGER_DB_PATH", path: path, reason: "is empty") }
        components.removeLast()
        var prefix = path.hasPrefix("/") ? "" : "."
        for (position, component) in components.enumerated() {
            prefix += "/\(component)"
            var info = stat()
            if stat(prefix, &info) == 0 { continue }
            guard errno == ENOENT else { throw failure(path, "stat \(prefix)", errno) }
            guard mkdir(prefix, position == components.count - 1 ? 0o700 : 0o777) == 0 || errno == EEXIST else {
                throw failure(path, "mkdir \(prefix)", errno)
            }
        }
    }

    private static func failure(_ path: String, _ operation: String, _ code: Int32) -> WalletStartupError {
        WalletStartupError(setting: "LEDGER_DB_PATH", path: path, reason: "\(operation): \(String(cString: strerror(code)))")
    }
}

/// Why the daemon cannot start with a setting's value: the message names the setting, the
/// path and what failed (exit 1).
public struct WalletStartupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting whose value failed (`LEDGER_DB_PATH`).
    public let setting: String
    /// Its value.
    public let path: String
    /// What failed.
    public let reason: String

    /// "cannot open the ledger PATH (LEDGER_DB_PATH): mkdir /proc/nope: No such file or directory".
    public var description: String { "cannot open the ledger \(path) (\(setting)): \(reason)" }
}
