import Cryptography
import Glibc

/// The keystore on disk: `<dir>/<wallet_id>.kdb`, one file per wallet (spec §4.2).
///
/// The directory is created 0700 and must stay without group/other bits; files are written
/// 0600 through a temporary file (`O_CREAT|O_EXCL`, write, `fsync`, `rename`, `fsync` of the
/// directory), so a crash at any point leaves either the old file or the new one. Temporary
/// files a crash left behind are deleted when the directory is opened. Every method takes a
/// `WalletID`, so an id is validated before any path is built.
public final class KeystoreDirectory: Sendable {
    /// A hook run with the temporary file's path after it is written and synced, just before
    /// it replaces the target: tests inject a failure (throw) or a crash (the child blocks and
    /// is killed) exactly there.
    public typealias BeforeRenameHook = @Sendable (_ temporaryPath: String) throws(WalletCoreError) -> Void

    /// The directory.
    public let path: String
    private let beforeRename: BeforeRenameHook?

    /// Opens (creating it 0700 if missing) the keystore directory at `path` and deletes stray
    /// temporary files.
    /// - Throws: `WalletCoreError.insecurePermissions` when the directory has group/other
    ///   bits, is not a directory or not ours; `.io` for failing system calls.
    public init(path: String, beforeRename: BeforeRenameHook? = nil) throws(WalletCoreError) {
        self.path = path
        self.beforeRename = beforeRename
        try createIfMissing()
        try checkDirectory()
        try removeStrayTemporaryFiles()
    }

    /// The wallet ids with a `.kdb` file, sorted.
    /// - Throws: `WalletCoreError.io` when the directory cannot be read.
    public func list() throws(WalletCoreError) -> [WalletID] {
        try names().compactMap { name -> WalletID? in
            guard name.hasSuffix(".kdb"), !name.hasPrefix(".") else { return nil }
            return WalletID(String(name.dropLast(4)))
        }.sorted { $0.rawValue < $1.rawValue }
    }

    /// Checks every `.kdb` file's type, owner and mode, so a loose file is refused when the
    /// daemon starts (like a loose directory) instead of failing its wallet's first use (§4.2).
    /// - Throws: `WalletCoreError.insecurePermissions` naming the first offending file; `.io`.
    public func checkFiles() throws(WalletCoreError) {
        for id in try list() {
            let file = filePath(id)
            var info = stat()
            guard lstat(file, &info) == 0 else {
                if errno == ENOENT { continue }
                throw .io(path: file, operation: "lstat", errno: errno)
            }
            if info.st_mode & S_IFMT == S_IFLNK { throw .insecurePermissions(path: file, reason: "is a symbolic link") }
            try Self.checkOwnership(info, path: file, expectDirectory: false)
        }
    }

    /// Whether `id` has a keystore file.
    public func exists(_ id: WalletID) -> Bool {
        var info = stat()
        return lstat(filePath(id), &info) == 0
    }

    /// Reads and strictly decodes `id`'s record.
    /// - Throws: `WalletCoreError.walletNotFound`; `.insecurePermissions` for a file or
    ///   directory with group/other bits, a link or a file not ours; `.invalidRecord` for a
    ///   malformed file or one whose `wallet_id` is not its name; `.io`.
    public func load(_ id: WalletID) throws(WalletCoreError) -> KeystoreRecord {
        try checkDirectory()
        let file = filePath(id)
        // O_NONBLOCK: opening a FIFO put at this path would otherwise wait for a writer forever,
        // and with it the keystore I/O queue every other wallet uses; fstat then refuses it.
        let descriptor = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw .walletNotFound(id) }
            if code == ELOOP { throw .insecurePermissions(path: file, reason: "is a symbolic link") }
            throw .io(path: file, operation: "open", errno: code)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .io(path: file, operation: "fstat", errno: errno) }
        try Self.checkOwnership(info, path: file, expectDirectory: false)
        guard info.st_size <= KeystoreRecord.maxFileBytes else {
            throw .invalidRecord(field: "file", reason: "larger than \(KeystoreRecord.maxFileBytes) bytes")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .io(path: file, operation: "read", errno: errno) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= KeystoreRecord.maxFileBytes else {
                throw .invalidRecord(field: "file", reason: "larger than \(KeystoreRecord.maxFileBytes) bytes")
            }
        }
        let record = try KeystoreRecord(decoding: bytes)
        guard record.walletID == id else { throw .invalidRecord(field: "wallet_id", reason: "does not match the file name") }
        return record
    }

    /// Writes a new wallet's record; never replaces an existing file (`link(2)` refuses).
    /// - Throws: `WalletCoreError.walletExists`; `.io`; whatever the hook throws.
    public func create(_ record: KeystoreRecord) throws(WalletCoreError) {
        try install(record, replacing: false)
    }

    /// Atomically replaces (or creates) the record's file, e.g. after `rekey` or a metadata edit.
    /// - Throws: `WalletCoreError.io`; whatever the hook throws.
    public func replace(_ record: KeystoreRecord) throws(WalletCoreError) {
        try install(record, replacing: true)
    }

    /// Removes `id`'s file.
    /// - Throws: `WalletCoreError.walletNotFound`; `.io`.
    public func delete(_ id: WalletID) throws(WalletCoreError) {
        guard unlink(filePath(id)) == 0 else {
            let code = errno
            if code == ENOENT { throw .walletNotFound(id) }
            throw .io(path: filePath(id), operation: "unlink", errno: code)
        }
        try syncDirectory()
    }

    /// `<dir>/<id>.kdb`.
    public func filePath(_ id: WalletID) -> String { "\(path)/\(id.rawValue).kdb" }

    // MARK: - Writing

    private func install(_ record: KeystoreRecord, replacing: Bool) throws(WalletCoreError) {
        try checkDirectory()
        let target = filePath(record.walletID)
        if !replacing, exists(record.walletID) { throw .walletExists(record.walletID) }
        let temporary = "\(path)/.\(record.walletID.rawValue).kdb.tmp-\(Hex.encode(SecureRandom.bytes(count: 8)))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io(path: temporary, operation: "open", errno: errno) }
        do throws(WalletCoreError) {
            do throws(WalletCoreError) {
                try Self.writeAll(record.encoded(), to: descriptor, path: temporary)
                guard fsync(descriptor) == 0 else { throw .io(path: temporary, operation: "fsync", errno: errno) }
            } catch {
                close(descriptor)
                throw error
            }
            guard close(descriptor) == 0 else { throw .io(path: temporary, operation: "close", errno: errno) }
            try beforeRename?(temporary)
            if replacing {
                guard rename(temporary, target) == 0 else { throw .io(path: target, operation: "rename", errno: errno) }
            } else {
                // link(2) fails with EEXIST instead of replacing: two creates cannot both win.
                guard link(temporary, target) == 0 else {
                    let code = errno
                    if code == EEXIST { throw .walletExists(record.walletID) }
                    throw .io(path: target, operation: "link", errno: code)
                }
                unlink(temporary)
            }
        } catch {
            unlink(temporary)
            throw error
        }
        try syncDirectory()
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(WalletCoreError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw .io(path: path, operation: "write", errno: written < 0 ? errno : EIO) }
            offset += written
        }
    }

    /// `fsync` on the directory makes the rename (or unlink) itself durable.
    private func syncDirectory() throws(WalletCoreError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io(path: path, operation: "fsync", errno: errno) }
    }

    // MARK: - Directory checks

    /// `mkdir -p` for the parents (mode 0777 less the umask, as the shell does), 0700 for
    /// the keystore directory itself.
    private func createIfMissing() throws(WalletCoreError) {
        var info = stat()
        if stat(path, &info) == 0 { return }
        guard errno == ENOENT else { throw .io(path: path, operation: "stat", errno: errno) }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        var prefix = path.hasPrefix("/") ? "" : "."
        for (position, component) in components.enumerated() {
            prefix += "/\(component)"
            let isLast = position == components.count - 1
            guard mkdir(prefix, isLast ? 0o700 : 0o777) == 0 || errno == EEXIST else {
                throw .io(path: prefix, operation: "mkdir", errno: errno)
            }
        }
    }

    private func checkDirectory() throws(WalletCoreError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        try Self.checkOwnership(info, path: path, expectDirectory: true)
    }

    /// Type, owner and no group/other permission bits (§4.2: such files are refused at load).
    private static func checkOwnership(_ info: stat, path: String, expectDirectory: Bool) throws(WalletCoreError) {
        let type = info.st_mode & S_IFMT
        guard type == (expectDirectory ? S_IFDIR : S_IFREG) else {
            throw .insecurePermissions(path: path, reason: expectDirectory ? "is not a directory" : "is not a regular file")
        }
        guard info.st_uid == geteuid() else { throw .insecurePermissions(path: path, reason: "is not owned by this user") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            let wanted = expectDirectory ? "0700" : "0600"
            throw .insecurePermissions(
                path: path, reason: "mode \(String(mode, radix: 8)) gives group or others access (use \(wanted))")
        }
    }

    /// The directory's entries except `.` and `..`.
    private func names() throws(WalletCoreError) -> [String] {
        guard let stream = opendir(path) else { throw .io(path: path, operation: "opendir", errno: errno) }
        defer { closedir(stream) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw .io(path: path, operation: "readdir", errno: errno) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
    }

    /// `.<id>.kdb.tmp-<random>` files are only ever left by an interrupted write.
    private func removeStrayTemporaryFiles() throws(WalletCoreError) {
        for name in try names() where name.hasPrefix(".") && name.contains(".kdb.tmp-") {
            guard unlink("\(path)/\(name)") == 0 || errno == ENOENT else {
                throw .io(path: "\(path)/\(name)", operation: "unlink", errno: errno)
            }
        }
    }
}
