public import ArgumentParser
import AITBCClient

/// `aitbc chain`: account keys, genesis files, and a chain node's accounts, blocks and
/// transactions.
public struct ChainCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Chain keys and genesis; balances, blocks, transfers and receipt claims on a chain node.",
        discussion: """
            keygen and genesis work offline. The other commands talk to a chain node: --url, else \
            $AITBC_CHAIN_URL, else \(ChainConfiguration.defaultURL); --json prints the node's answer \
            as one line of JSON. send and claim sign with --key-file (mode 0600) for --chain-id, \
            else $AITBC_CHAIN_ID, else \(ChainConfiguration.defaultChainID). Exit status: 0 ok, 1 \
            refused or not found by the node (or not included by --timeout; an existing genesis \
            file), 2 unusable input, 4 node unreachable, 64 usage.
            """,
        subcommands: [
            ChainKeygenCommand.self, ChainGenesisCommand.self, ChainHeadCommand.self, ChainBlockCommand.self, ChainTxCommand.self,
            ChainBalanceCommand.self, ChainSendCommand.self, ChainClaimCommand.self, ChainWatchCommand.self,
        ])

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}
}
