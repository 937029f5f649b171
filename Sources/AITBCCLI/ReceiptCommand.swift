public import ArgumentParser

/// `aitbc receipt`: canonicalize, sign and verify compute receipts.
public struct ReceiptCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "Canonicalize, sign, verify and fetch compute receipts.",
        discussion: """
            FILE may be - for standard input. It holds either a bare receipt (signature and \
            attestations beside the fields) or a test-vector file with payload, signature and \
            attestations members. Input is limited to 16 MiB. Exit status 2 means unusable input. \
            fetch reads a job's receipts from a coordinator instead (client key; see its --help).
            """,
        subcommands: [ReceiptCanonicalCommand.self, ReceiptSignCommand.self, ReceiptVerifyCommand.self, ReceiptFetchCommand.self])

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}
}
