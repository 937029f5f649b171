public import Cryptography
import Foundation
import JSON
import TerminalText
import WireModels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An account's key file: `{"private_key","public_key","address"}` as `aitbc chain keygen`
/// writes it. The miner's key file (`aitbc keygen`: `private_key_hex`, `public_key_hex`) is
/// read too, so a miner claims its receipts with the key it already has.
public enum ChainKeyFile {
    /// Largest file read (a real one is ~200 bytes).
    static let maxBytes = 16 * 1024

    /// The key JSON, members in the documented order; without `includingSecret`, the public
    /// half only (what is printed when the secret went to a file).
    public static func json(for key: Ed25519.PrivateKey, includingSecret: Bool) -> String {
        var members: [JSONMember] = []
        if includingSecret {
            members.append(JSONMember(key: "private_key", value: .string(key.seed.withUnsafeBytes { Hex.encode($0) })))
        }
        members.append(JSONMember(key: "public_key", value: .string(key.publicKey.hex)))
        members.append(JSONMember(key: "address", value: .string(Address(publicKey: key.publicKey).rawValue)))
        // Only strings: serialization cannot fail.
        return (try? JSONSerializer().string(.object(members))) ?? "{}"
    }

    /// The private key in `path`: a regular file (not a link) readable by its owner only,
    /// whose public key and address, when present, belong to the private key.
    /// - Throws: `ServiceFailure` (exit 2) naming `--key-file`, the path and the problem;
    ///   never the key.
    static func load(_ path: String) throws(ServiceFailure) -> Ed25519.PrivateKey {
        let displayed = UntrustedText.display(path, limit: 256)
        let shown = "--key-file " + displayed
        let bytes = try readFile(path, shown: shown, displayed: displayed)
        guard let json = try? JSONParser(limits: .init(maxInputBytes: maxBytes, maxDepth: 4)).parse(bytes), case .object = json else {
            throw ServiceFailure(.usage, "\(shown): not a key file (a JSON object with private_key)")
        }
        guard let seedHex = json["private_key"]?.stringValue ?? json["private_key_hex"]?.stringValue else {
            throw ServiceFailure(.usage, "\(shown): not a key file (private_key missing)")
        }
        let key: Ed25519.PrivateKey
        do {
            key = try Ed25519.PrivateKey(seedHex: seedHex)
        } catch {
            throw ServiceFailure(.usage, "\(shown): private_key is not a 32-byte seed as 64 hex characters")
        }
        if let publicHex = json["public_key"]?.stringValue ?? json["public_key_hex"]?.stringValue, publicHex.lowercased() != key.publicKey.hex {
            throw ServiceFailure(.usage, "\(shown): public_key does not belong to private_key")
        }
        if let address = json["address"]?.stringValue, Address(address) != Address(publicKey: key.publicKey) {
            throw ServiceFailure(.usage, "\(shown): address is not the address of private_key")
        }
        return key
    }

    /// The file's bytes, checked and read through one descriptor (it cannot be swapped between).
    private static func readFile(_ path: String, shown: String, displayed: String) throws(ServiceFailure) -> [UInt8] {
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
        // A signing key others can read is a leaked key: refuse it rather than use it.
        let mode = status.st_mode & 0o7777
        guard mode & 0o077 == 0 else {
            throw ServiceFailure(
                .usage, "\(shown): mode 0\(String(mode, radix: 8)) lets other users read the key; allow only its owner: chmod 600 \(displayed)")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ServiceFailure(.usage, "\(shown): read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer.prefix(count))
            guard bytes.count <= maxBytes else { throw ServiceFailure(.usage, "\(shown): larger than \(maxBytes) bytes; not a key file") }
        }
        return bytes
    }
}
