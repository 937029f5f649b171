public import ArgumentParser
import AITBCClient
import JSON
import WireModels

/// `aitbc wallet list`: the daemon's wallets.
public struct WalletListCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the daemon's wallets: id, kind, address, public key (GET /v1/wallets).")

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            let list = try await session.call("wallet list") { () async throws(AITBCError) in try await session.client.list() }
            WalletOutput.table(list.json, columns: ["wallet_id", "kind", "address", "public_key"], json: daemon.json)
            return .ok
        }
    }
}

/// `aitbc wallet address`: a wallet's accounts and their addresses.
public struct WalletAddressCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "address",
        abstract: "Print a wallet's accounts and ait1 addresses; --derive adds an HD account (GET/POST /v1/wallets/{id}/accounts).",
        usage: "aitbc wallet address <wallet-id> [--account <account-id> | --derive <path> [--ask-password | --password-file <file> | --password-stdin]]",
        discussion: """
            Without options, one line per account the daemon knows. --account prints one account \
            (GET /v1/address/{account_id}). --derive PATH derives an account of an HD wallet at a \
            path whose every step is hardened, e.g. m/44'/12345'/0'/0'/1' (the same path twice is the \
            same account); the wallet must be unlocked or a password given.
            """)

    /// The wallet.
    @Argument(help: ArgumentHelp("The wallet's id.", valueName: "wallet-id"))
    public var walletID: String

    /// One account.
    @Option(name: .long, help: ArgumentHelp("Print only this account (<wallet>:imported or <wallet>:<a>:<c>:<i>).", valueName: "account-id"))
    public var account: String?

    /// A path to derive.
    @Option(name: .long, help: ArgumentHelp("Derive the account at this hardened SLIP-10 path.", valueName: "path"))
    public var derive: String?

    /// The password, when deriving on a locked wallet.
    @OptionGroup public var password: WalletOptionalPasswordOptions

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for contradicting options.
    public func validate() throws {
        if account != nil, derive != nil { throw ValidationError("--account and --derive exclude each other") }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            if let account {
                let view = try await session.call("wallet address") { () async throws(AITBCError) in try await session.client.address(account) }
                WalletOutput.print(view.json, fields: ["account_id", "address", "curve", "public_key"], json: daemon.json)
            } else if let derive {
                let secret = try password.read()
                let view = try await session.call("wallet address --derive") { () async throws(AITBCError) in
                    try await session.client.deriveAccount(walletID, path: derive, password: secret)
                }
                WalletOutput.print(view.json, fields: WalletOutput.accountFields, json: daemon.json)
            } else {
                let list = try await session.call("wallet address") { () async throws(AITBCError) in
                    try await session.client.accounts(walletID)
                }
                WalletOutput.table(list.json, columns: ["account_id", "path", "address"], json: daemon.json)
            }
            return .ok
        }
    }
}

/// `aitbc wallet balance`: an account's balance through the daemon's ledger.
public struct WalletBalanceCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Print a wallet account's balance, nonce and pending transfers (GET /v1/wallets/{id}/balance).",
        discussion: """
            The daemon asks its chain node (LEDGER=chain) or its offline ledger (LEDGER=offline, \
            which moves nothing on any chain: the output says so). An unreachable chain node is exit 4.
            """)

    /// The wallet.
    @Argument(help: ArgumentHelp("The wallet's id.", valueName: "wallet-id"))
    public var walletID: String

    /// The account.
    @Option(name: .customLong("account"), help: ArgumentHelp("The account (default: the wallet's primary one).", valueName: "account-id"))
    public var accountID: String?

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            let view = try await session.call("wallet balance") { () async throws(AITBCError) in
                try await session.client.balance(walletID, accountID: accountID)
            }
            WalletOutput.print(view.json, fields: WalletOutput.balanceFields, json: daemon.json)
            WalletOutput.offlineNote(ledger: view.ledger, json: daemon.json)
            return .ok
        }
    }
}

/// `aitbc wallet transactions`: the transfers the daemon sent from a wallet account, with their
/// status, so a send can be followed until a block includes it.
public struct WalletTransactionsCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "transactions",
        abstract: "List the transfers a wallet account sent, newest first (GET /v1/wallets/{id}/transactions).",
        discussion: """
            One row per transfer this daemon sent from the account: TX_HASH, STATUS (pending until a \
            block includes it, then included; recorded offline), TO, AMOUNT, FEE, NONCE, BLOCK_HEIGHT. \
            Incoming payments (a faucet's, another wallet's) are not listed: `aitbc wallet balance` \
            counts them, `aitbc chain tx HASH` shows any transaction.
            """)

    /// The wallet.
    @Argument(help: ArgumentHelp("The wallet's id.", valueName: "wallet-id"))
    public var walletID: String

    /// The account.
    @Option(name: .customLong("account"), help: ArgumentHelp("The account (default: the wallet's primary one).", valueName: "account-id"))
    public var accountID: String?

    /// How many.
    @Option(name: .long, help: ArgumentHelp("At most this many, 1–500 (default 50).", valueName: "n"))
    public var limit: Int?

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for a limit out of range.
    public func validate() throws {
        if let limit, !(1...500).contains(limit) { throw ValidationError("--limit must be 1…500") }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            let page = try await session.call("wallet transactions") { () async throws(AITBCError) in
                try await session.client.transactions(walletID, accountID: accountID, limit: limit)
            }
            WalletOutput.table(page.json, columns: ["tx_hash", "status", "to", "amount", "fee", "nonce", "block_height"], json: daemon.json)
            WalletOutput.offlineNote(ledger: page.items.first?.ledger, json: daemon.json)
            return .ok
        }
    }
}
