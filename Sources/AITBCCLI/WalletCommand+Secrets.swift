import Foundation
import TerminalText

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the `aitbc wallet` commands read a secret (a password, a mnemonic): a file only its
/// owner can read, one line of standard input, or a prompt on the terminal with echo off.
/// Never a flag value: those land in shell history and in `ps` output for every user.
struct WalletSecretInput: Sendable {
    /// Longest secret read, in bytes (a password is at most 1,024 characters; a 24-word
    /// mnemonic is well under 300 bytes).
    static let maxBytes = 4_096

    /// One line of standard input, without its newline; nil at end of input.
    var readStandardInputLine: @Sendable () throws(ServiceFailure) -> String?
    /// Shows a prompt on the terminal and reads one line with echo off.
    var prompt: @Sendable (String) throws(ServiceFailure) -> String

    /// The process's standard input and `/dev/tty`.
    static let process = WalletSecretInput(
        readStandardInputLine: { () throws(ServiceFailure) -> String? in try readLine(fd: STDIN_FILENO, what: "standard input") },
        prompt: { (text: String) throws(ServiceFailure) -> String in try promptWithoutEcho(text) })

    /// What `promptWithoutEcho` says without a terminal; `ask` adds the options to use instead.
    static let noTerminal = "no terminal to ask on"

    /// `prompt(text)`; without a terminal the failure names `sources`, the options that give
    /// this secret instead (e.g. "--password-file FILE or --password-stdin").
    /// - Throws: `ServiceFailure` (exit 2).
    func ask(_ text: String, else sources: String) throws(ServiceFailure) -> String {
        do {
            return try prompt(text)
        } catch {
            guard error.message == Self.noTerminal else { throw error }
            throw ServiceFailure(.usage, "\(Self.noTerminal): give \(sources)")
        }
    }

    /// The secret in `path`: a regular file (not a link) of mode 0600 or stricter, its text
    /// without one trailing newline.
    /// - Throws: `ServiceFailure` (exit 2) naming `option` and the path; never the content.
    static func file(_ path: String, option: String) throws(ServiceFailure) -> String {
        var bytes = try OwnerOnlyFile.contents(path, option: option, noun: "it", maxBytes: maxBytes)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return try text(&bytes, shown: "\(option) \(UntrustedText.display(path, limit: 256))")
    }

    /// One line from `fd`, read a byte at a time so nothing after the newline is consumed.
    /// - Throws: `ServiceFailure` (exit 2) for a line over `maxBytes` or not UTF-8.
    static func readLine(fd: Int32, what: String) throws(ServiceFailure) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        var sawAny = false
        while true {
            let count = read(fd, &byte, 1)
            if count < 0 {
                if errno == EINTR { continue }
                throw ServiceFailure(.usage, "\(what): read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            sawAny = true
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
            guard bytes.count <= maxBytes else {
                OwnerOnlyFile.wipe(&bytes)
                throw ServiceFailure(.usage, "\(what): a line longer than \(maxBytes) bytes")
            }
        }
        byte = 0
        guard sawAny else { return nil }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return try text(&bytes, shown: what)
    }

    /// Prompts on `/dev/tty` (not stdout, which may be a pipe) and reads a line with echo off;
    /// the terminal's settings are restored whatever happens.
    /// - Throws: `ServiceFailure` (exit 2) when there is no terminal, naming the alternatives.
    static func promptWithoutEcho(_ text: String) throws(ServiceFailure) -> String {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ServiceFailure(.usage, noTerminal)
        }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else {
            throw ServiceFailure(.usage, "cannot turn off echo on the terminal: \(String(cString: strerror(errno)))")
        }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO | ECHONL)
        silent.c_lflag |= tcflag_t(ICANON)
        guard tcsetattr(fd, TCSAFLUSH, &silent) == 0 else {
            throw ServiceFailure(.usage, "cannot turn off echo on the terminal: \(String(cString: strerror(errno)))")
        }
        defer {
            _ = tcsetattr(fd, TCSAFLUSH, &saved)
            _ = "\n".withCString { write(fd, $0, 1) }
        }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        guard let line = try readLine(fd: fd, what: "the terminal") else { throw ServiceFailure(.usage, "the terminal: no input") }
        return line
    }

    /// `bytes` as UTF-8 text; the bytes are wiped either way.
    private static func text(_ bytes: inout [UInt8], shown: String) throws(ServiceFailure) -> String {
        defer { OwnerOnlyFile.wipe(&bytes) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ServiceFailure(.usage, "\(shown): not UTF-8 text") }
        return text
    }
}
