import Glibc

/// Streams one output pipe into a log file holding at most `cap` bytes, keeping the tail.
///
/// While the job runs the file rotates once it is full (`name` → `name.1`), so disk use stays
/// within 2 × cap and nothing is buffered in memory; `finish()` joins the last `cap` bytes of
/// both files back into `name`. Every open, rename and unlink is relative to a descriptor of
/// the log directory taken before the job starts, so a job that swaps `logs/` for a symlink
/// mid-run cannot redirect the miner's writes. Not thread-safe: one supervisor thread owns it.
final class LogSink {
    /// Bytes kept in memory for `stdout_tail`.
    static let tailLimit = 4096

    let path: String
    let cap: Int
    private let directory: Int32
    private let name: String
    private var descriptor: Int32
    private var written = 0
    private var rotated = false
    private(set) var tail: [UInt8] = []
    /// First write or rotate error (errno); writing stops after it.
    private(set) var failure: Int32?

    /// Creates the file afresh (`FreshFile`: never through a symlink or a planted hard link).
    /// - Throws: `ExecutionFailure.io` naming the path.
    init(directory path: String, name: String, cap: Int) throws(ExecutionFailure) {
        self.path = path + "/" + name
        self.name = name
        self.cap = max(1, cap)
        directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { throw .io(path: path, errno: errno) }
        do {
            descriptor = try Self.openFresh(directory, name)
        } catch {
            close(directory)
            if case .io(_, let code) = error { throw .io(path: self.path, errno: code) }
            throw error
        }
        unlinkat(directory, name + ".1", 0)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        close(directory)
    }

    /// Appends `bytes`, rotating when the current file would pass the cap.
    func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        appendTail(bytes)
        guard failure == nil, descriptor >= 0, !bytes.isEmpty else { return }
        var chunk = bytes
        if chunk.count > cap { chunk = UnsafeBufferPointer(rebasing: chunk[(chunk.count - cap)...]) }
        if written > cap - chunk.count {
            close(descriptor)
            descriptor = -1
            guard renameat(directory, name, directory, name + ".1") == 0 else { failure = errno; return }
            rotated = true
            written = 0
            do { descriptor = try Self.openFresh(directory, name) } catch { failure = EIO; return }
        }
        var offset = 0
        while offset < chunk.count {
            let result = Glibc.write(descriptor, chunk.baseAddress.map { $0 + offset }, chunk.count - offset)
            if result < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            offset += result
        }
        written += chunk.count
    }

    /// Closes the file and, after a rotation, leaves exactly the last `cap` bytes in `path`.
    func finish() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        guard rotated else { return }
        let previous = name + ".1"
        let temporary = name + ".tmp"
        defer { unlinkat(directory, previous, 0) }
        guard let output = try? Self.openFresh(directory, temporary) else { return }
        defer { close(output) }
        let copied =
            copyTail(of: previous, count: cap - written, to: output) && copyTail(of: name, count: written, to: output)
        if copied { renameat(directory, temporary, directory, name) } else { unlinkat(directory, temporary, 0) }
    }

    private func appendTail(_ bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.count >= Self.tailLimit {
            tail = Array(bytes[(bytes.count - Self.tailLimit)...])
        } else {
            let overflow = tail.count + bytes.count - Self.tailLimit
            if overflow > 0 { tail.removeFirst(overflow) }
            tail.append(contentsOf: bytes)
        }
    }

    private static func openFresh(_ directory: Int32, _ name: String) throws(ExecutionFailure) -> Int32 {
        try FreshFile.create(in: directory, name: name, path: name)
    }

    /// Copies the last `count` bytes of `name` to `output` in 64 KiB pieces.
    private func copyTail(of name: String, count: Int, to output: Int32) -> Bool {
        guard count > 0 else { return true }
        // O_NONBLOCK and the S_IFREG check: a FIFO the job swapped in must not hang the supervisor.
        let input = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { return false }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        let size = Int(info.st_size)
        var position = max(0, size - count)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while position < size {
            let got = buffer.withUnsafeMutableBytes { pread(input, $0.baseAddress, $0.count, off_t(position)) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return got == 0 }
            let ok = buffer.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < got {
                    let result = Glibc.write(output, raw.baseAddress.map { $0 + offset }, got - offset)
                    if result < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += result
                }
                return true
            }
            guard ok else { return false }
            position += got
        }
        return true
    }
}
