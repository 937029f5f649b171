public import ArgumentParser
import ServiceRuntime

/// `aitbc`: the operator and developer command-line tool.
public struct AITBCCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "aitbc",
        abstract: "AITBC command-line tool: keys, compute receipts, the coordinator's jobs and miners, the chain, and wallets.",
        version: AITBCVersion.line(for: "aitbc"),
        subcommands: [
            KeygenCommand.self, ReceiptCommand.self, JobCommand.self, MinerCommand.self, ChainCommand.self, WalletCommand.self,
        ])

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}
}
