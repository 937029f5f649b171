import Glibc

/// Writes an executable script for a test to run.
///
/// The file is opened with `O_CLOEXEC`: Foundation's own writes are not, so a process forked
/// by a parallel test while the file is open (the miner's sandbox, `Process`) would inherit a
/// writable descriptor and every later exec of the script would fail with ETXTBSY for as long
/// as that child lives.
/// - Throws: `ExecutableScriptError` with the errno.
public func writeExecutableScript(_ contents: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o755)
    guard fd >= 0 else { throw ExecutableScriptError(path: path, errno: errno) }
    defer { close(fd) }
    var bytes = Array(contents.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            throw ExecutableScriptError(path: path, errno: errno)
        }
        bytes = bytes.dropFirst(written)
    }
    guard fchmod(fd, 0o755) == 0 else { throw ExecutableScriptError(path: path, errno: errno) }
}

/// A script could not be written.
public struct ExecutableScriptError: Error, CustomStringConvertible {
    /// The file.
    public let path: String
    /// What the system said.
    public let errno: Int32

    public var description: String { "cannot write \(path): \(String(cString: strerror(errno)))" }
}
