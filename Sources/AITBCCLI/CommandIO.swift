import ArgumentParser
import Foundation
import Synchronization

/// Shared output helpers and exit statuses of the `aitbc` commands.
enum CommandIO {
    /// Exit status for unusable input (unreadable file, invalid JSON, bad key).
    static let unusableInput = ExitCode(2)
    /// Exit status when a receipt does not verify.
    static let verificationFailed = ExitCode(1)

    /// Secrets that never reach standard output or error (the API key of a service command):
    /// a coordinator — or whatever answers on its address — may echo the key it was sent in an
    /// error message or a field, and what the command prints lands in terminals and CI logs.
    private static let secrets = Mutex<[String]>([])

    /// Shortest secret redacted: shorter text would blank out ordinary words of the output.
    static let minimumRedactedLength = 8

    /// Keeps `secret` out of everything printed from now on (as `***`).
    static func redact(_ secret: String) {
        guard secret.utf8.count >= minimumRedactedLength else { return }
        secrets.withLock { if !$0.contains(secret) { $0.append(secret) } }
    }

    /// `text` with every registered secret replaced by `***`.
    static func redacted(_ text: String) -> String {
        secrets.withLock { list in list.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") } }
    }

    /// Writes `text` and a newline to standard output.
    static func printOut(_ text: String) {
        FileHandle.standardOutput.write(Data((redacted(text) + "\n").utf8))
    }

    /// Writes `text` and a newline to standard error.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((redacted(text) + "\n").utf8))
    }

    /// Runs `body`; a `CLIError` becomes `error: …` on stderr and exit status 2.
    static func reportingInputErrors(_ body: () throws(CLIError) -> Void) throws(ExitCode) {
        do {
            try body()
        } catch {
            printError("error: \(error.message)")
            throw unusableInput
        }
    }
}
