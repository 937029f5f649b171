public import ArgumentParser

/// `aitbc`: the operator and developer command-line tool.
public struct AITBCCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aitbc",
        abstract: "AITBC command-line tool: keys and compute receipts.",
        subcommands: [KeygenCommand.self, ReceiptCommand.self])

    public init() {}
}
