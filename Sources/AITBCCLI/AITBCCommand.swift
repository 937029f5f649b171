public import ArgumentParser

/// `aitbc`: the operator and developer command-line tool.
public struct AITBCCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "aitbc",
        abstract: "AITBC command-line tool: keys and compute receipts.",
        subcommands: [KeygenCommand.self, ReceiptCommand.self])

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}
}
