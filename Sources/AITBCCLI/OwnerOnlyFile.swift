import Cryptography
import Foundation
import TerminalText

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one reader of the files the CLI takes secrets from (`--key-file` API keys and signing
/// keys, wallet passwords, mnemonics and tokens): a regular file, not a link, that only its
/// owner can read, checked and read through one descriptor so it cannot be swapped between.
enum OwnerOnlyFile {
    /// The bytes of `path`, given as `option` on the command line.
    /// - Parameters:
    ///   - noun: what other users could read, in the mode message ("the key", "it").
    ///   - maxBytes: the largest file read.
    ///   - tooLarge: said after "larger than N bytes" (e.g. "; not a key file").
    /// - Throws: `ServiceFailure` (exit 2) naming `option`, the path and the problem; never the content.
    static func contents(_ path: String, option: String, noun: String, maxBytes: Int, tooLarge: String = "") throws(ServiceFailure) -> [UInt8] {
        let displayed = UntrustedText.display(path, limit: 256)
        let shown = "\(option) \(displayed)"
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP { throw ServiceFailure(.usage, "\(shown): is a symbolic link; name the file itself") }
            throw ServiceFailure(.usage, "\(shown): cannot open: \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw ServiceFailure(.usage, "\(shown): cannot stat: \(String(cString: strerror(errno)))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw ServiceFailure(.usage, "\(shown): is not a regular file") }
        // A secret other users can read is a leaked secret: refuse it rather than use it.
        let mode = status.st_mode & 0o7777
        guard mode & 0o077 == 0 else {
            throw ServiceFailure(
                .usage, "\(shown): mode 0\(String(mode, radix: 8)) lets other users read \(noun); allow only its owner: chmod 600 \(displayed)")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1_024)
        defer { wipe(&buffer) }
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                wipe(&bytes)
                throw ServiceFailure(.usage, "\(shown): read failed: \(String(cString: strerror(code)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer.prefix(count))
            guard bytes.count <= maxBytes else {
                wipe(&bytes)
                throw ServiceFailure(.usage, "\(shown): larger than \(maxBytes) bytes\(tooLarge)")
            }
        }
        return bytes
    }

    /// Overwrites a buffer that held a secret with `SecureBytes.wipe` (a byte loop may be dropped
    /// as a dead store). A `String` made from it cannot be wiped: the fewer copies, the better.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { SecureBytes.wipe($0) }
    }
}
