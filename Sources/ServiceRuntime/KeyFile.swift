public import Cryptography
import FoundationEssentials
import Glibc
import JSON

/// Loads an Ed25519 signing key from a JSON key file: the miner's (`aitbc keygen --out`:
/// `{"alg":"Ed25519","private_key_hex","public_key_hex","key_id","address"}`, `alg` optional) or a
/// chain account's (`aitbc chain keygen`: `{"private_key","public_key","address"}`).
public enum KeyFile {
    /// Largest key file read (the real one is ~250 bytes).
    static let maxBytes = 16 * 1024

    /// The private key in `path`, which must be a regular file of mode 0600 (or stricter) owned by this user.
    /// - Throws: `ConfigurationError.invalid(setting: "key_file", …)` for a lax mode, wrong owner, bad JSON
    ///   or a public key that does not match the private key; `.unreadableFile` when it cannot be read.
    public static func load(path: String, setting: String = "key_file") throws(ConfigurationError) -> Ed25519.PrivateKey {
        // Checked and read through one descriptor, so the file cannot be swapped in between.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .invalid(setting: setting, reason: "\(path) is not a regular file") }
        // A signing key others can read is a leaked key: refuse rather than use it.
        guard info.st_mode & 0o077 == 0 else {
            throw .invalid(setting: setting, reason: "\(path) must have mode 0600 (it is readable by group or others)")
        }
        guard info.st_uid == geteuid() else { throw .invalid(setting: setting, reason: "\(path) belongs to another user") }
        guard info.st_size <= maxBytes else {
            throw .unreadableFile(path: path, reason: "larger than \(maxBytes) bytes")
        }
        var data = [UInt8](repeating: 0, count: maxBytes + 1)
        var count = 0
        while count < data.count {
            let got = data[count...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
            if got == 0 { break }
            count += got
        }
        guard count <= maxBytes else { throw .unreadableFile(path: path, reason: "larger than \(maxBytes) bytes") }
        data.removeSubrange(count...)
        guard let json = try? JSONParser(limits: .init(maxInputBytes: maxBytes, maxDepth: 4)).parse(data),
            let seedHex = json["private_key_hex"]?.stringValue ?? json["private_key"]?.stringValue
        else { throw .invalid(setting: setting, reason: "\(path) is not a key file (private_key_hex or private_key missing)") }
        if let alg = json["alg"], alg.stringValue != "Ed25519" {
            throw .invalid(setting: setting, reason: "\(path): alg must be Ed25519")
        }
        let key: Ed25519.PrivateKey
        do {
            key = try Ed25519.PrivateKey(seedHex: seedHex)
        } catch {
            throw .invalid(setting: setting, reason: "\(path): private_key_hex is not a 32-byte hex seed")
        }
        if let publicHex = json["public_key_hex"]?.stringValue ?? json["public_key"]?.stringValue, publicHex.lowercased() != key.publicKey.hex {
            throw .invalid(setting: setting, reason: "\(path): the public key does not match the private key")
        }
        return key
    }
}
