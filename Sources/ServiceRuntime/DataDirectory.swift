import FoundationEssentials
import Glibc

/// The one directory a daemon keeps its state in (`--data-dir`).
///
/// It holds databases and keys, so it is created with mode 0700 and an existing directory
/// that others can read is tightened to 0700 rather than used as it is.
public enum DataDirectory {
    /// Creates `path` (and parents) if needed and makes it mode 0700, owned by this user.
    /// - Throws: `ConfigurationError.invalid` naming `setting` when it cannot be created,
    ///   is not a directory, or belongs to another user.
    @discardableResult
    public static func prepare(_ path: String, setting: String = "data_dir") throws(ConfigurationError) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var existing = stat()
        if stat(url.path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFDIR else { throw .invalid(setting: setting, reason: "\(url.path) is not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(
                    at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .invalid(setting: setting, reason: "cannot create \(url.path): \(error)")
            }
        }
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw .invalid(setting: setting, reason: "cannot stat \(url.path): \(String(cString: strerror(errno)))")
        }
        guard info.st_uid == geteuid() else {
            throw .invalid(setting: setting, reason: "\(url.path) belongs to uid \(info.st_uid), not this user")
        }
        if info.st_mode & 0o777 != 0o700, chmod(url.path, 0o700) != 0 {
            throw .invalid(setting: setting, reason: "cannot set mode 0700 on \(url.path)")
        }
        return url.path
    }
}
