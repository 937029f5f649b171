import Foundation
import TerminalText

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file a command writes for people and other programs (a genesis file): created new, or
/// replaced only when asked to.
enum OutputFile {
    /// Writes `bytes` to `path`, creating it (mode 0644 less the umask), or truncating an
    /// existing file only with `force`; links are not followed.
    /// - Throws: `ServiceFailure` — exit 1 naming the path when it exists without `force`,
    ///   exit 2 when it cannot be written.
    static func create(_ bytes: [UInt8], at path: String, force: Bool, option: String) throws(ServiceFailure) {
        let shown = "\(option) \(UntrustedText.display(path, limit: 256))"
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode_t(0o644))
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw ServiceFailure(.rejected, "\(shown): file exists (use --force to overwrite)") }
            throw ServiceFailure(.usage, "\(shown): cannot create file: \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                throw ServiceFailure(.usage, "\(shown): write failed: \(String(cString: strerror(errno)))")
            }
            written += result
        }
    }
}
