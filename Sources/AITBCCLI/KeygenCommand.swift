public import ArgumentParser
public import Cryptography
import Foundation
import JSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `aitbc keygen`: a new Ed25519 key pair as JSON.
public struct KeygenCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate an Ed25519 key pair.",
        discussion: """
            Prints {"alg","private_key_hex","public_key_hex","key_id","address"} as one line of \
            JSON (private_key_hex is the 32-byte seed). With --out, the full JSON is written to \
            FILE with mode 0600 (the file aitbc-miner's key_file takes) and stdout gets the same \
            JSON without private_key_hex, so the secret only ever lands in the protected file. \
            An existing FILE is never overwritten unless --force is given.
            """)

    /// Where to write the key file.
    @Option(name: .long, help: ArgumentHelp("Write the key pair JSON to this file (mode 0600).", valueName: "file"))
    public var out: String?

    /// Replace an existing key file.
    @Flag(name: .long, help: "Overwrite FILE if it already exists.")
    public var force = false

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command; input problems exit with status 2.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try CommandIO.reportingInputErrors { () throws(CLIError) in
            let key = Ed25519.PrivateKey.generate()
            let full = KeygenCommand.json(for: key, includingSecret: true)
            if let out {
                try KeygenCommand.writeKeyFile(full + "\n", to: out, force: force)
                CommandIO.printOut(KeygenCommand.json(for: key, includingSecret: false))
            } else {
                CommandIO.printOut(full)
            }
        }
    }

    /// The key JSON, members in the documented order.
    public static func json(for key: Ed25519.PrivateKey, includingSecret: Bool) -> String {
        // One format for every key file: the miner's key_file reads exactly this.
        var members: [JSONMember] = [JSONMember(key: "alg", value: "Ed25519")]
        if includingSecret {
            members.append(JSONMember(key: "private_key_hex", value: .string(key.seed.withUnsafeBytes { Hex.encode($0) })))
        }
        members.append(JSONMember(key: "public_key_hex", value: .string(key.publicKey.hex)))
        members.append(JSONMember(key: "key_id", value: .string(key.publicKey.keyID)))
        members.append(JSONMember(key: "address", value: .string(key.publicKey.address.description)))
        // Only strings: serialization cannot fail.
        return (try? JSONSerializer().string(.object(members))) ?? "{}"
    }

    /// Creates `path` with mode 0600 (O_EXCL unless `force`) and writes `text`.
    /// - Throws: `CLIError` when the file exists (without `force`) or cannot be written.
    static func writeKeyFile(_ text: String, to path: String, force: Bool) throws(CLIError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode_t(0o600))
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw CLIError("\(path): file exists (use --force to overwrite)") }
            throw CLIError("\(path): cannot create file: \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        // An overwritten file keeps its old mode; force it back to owner-only.
        guard fchmod(fd, 0o600) == 0 else { throw CLIError("\(path): cannot set mode 0600") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                throw CLIError("\(path): write failed: \(String(cString: strerror(errno)))")
            }
            written += result
        }
    }
}
