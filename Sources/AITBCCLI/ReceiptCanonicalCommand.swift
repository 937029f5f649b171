public import ArgumentParser
import Receipts

/// `aitbc receipt canonical FILE`: the canonical text (the bytes that get signed).
public struct ReceiptCanonicalCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "canonical",
        abstract: "Print the canonical JSON of a receipt (the signed bytes).",
        discussion: "Top-level signature and attestations are left out; see spec/receipts.md §3.")

    /// The receipt file.
    @Argument(help: ArgumentHelp("Receipt or vector file, or - for stdin.", valueName: "file"))
    public var file: String

    public init() {}

    /// The canonical text of the input.
    /// - Throws: `CLIError` for unusable input.
    public func canonicalText() throws(CLIError) -> String {
        let receipt = try ReceiptInput.load(path: file)
        do {
            return try receipt.canonicalText()
        } catch {
            throw CLIError("\(file): \(error)")
        }
    }

    public func run() async throws {
        try CommandIO.reportingInputErrors { () throws(CLIError) in
            CommandIO.printOut(try canonicalText())
        }
    }
}
