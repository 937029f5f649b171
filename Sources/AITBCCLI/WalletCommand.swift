public import ArgumentParser
import AITBCClient

/// `aitbc wallet`: the wallet daemon's wallets, keys, balances and transfers.
public struct WalletCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "wallet",
        abstract: "Wallets held by the wallet daemon: create, restore, unlock, sign, balances and transfers.",
        discussion: """
            Every command but rekey talks to a wallet daemon: --url, else $\(WalletDaemonOptions.urlVariable), \
            else \(WalletClientConfiguration.defaultURL); --token-file (or $\(WalletDaemonOptions.tokenVariable)) \
            when the daemon runs with WALLET_TOKEN; --json prints the daemon's answer as one line of JSON. \
            Passwords come from --password-file (mode 0600), --password-stdin, or a prompt without echo: \
            never from a flag value. Exit status: 0 ok, 1 refused by the daemon (or a receipt that does \
            not verify), 2 unusable input, 3 wrong password, locked wallet or refused token, 4 daemon or \
            chain node unreachable, 64 usage.
            """,
        subcommands: [
            WalletCreateCommand.self, WalletRestoreCommand.self, WalletListCommand.self, WalletUnlockCommand.self, WalletLockCommand.self,
            WalletAddressCommand.self, WalletBalanceCommand.self, WalletSendCommand.self, WalletTransactionsCommand.self, WalletSignCommand.self,
            WalletVerifyReceiptCommand.self, WalletRekeyCommand.self,
        ])

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}
}
