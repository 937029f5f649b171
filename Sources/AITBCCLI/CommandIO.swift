import ArgumentParser
import Foundation

/// Shared output helpers and exit statuses of the `aitbc` commands.
enum CommandIO {
    /// Exit status for unusable input (unreadable file, invalid JSON, bad key).
    static let unusableInput = ExitCode(2)
    /// Exit status when a receipt does not verify.
    static let verificationFailed = ExitCode(1)

    /// Writes `text` and a newline to standard output.
    static func printOut(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes `text` and a newline to standard error.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
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
