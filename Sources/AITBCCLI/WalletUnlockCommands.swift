public import ArgumentParser
import AITBCClient
import WireModels

/// `aitbc wallet unlock`: keep the wallet's key in the daemon for a while.
public struct WalletUnlockCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Unlock a wallet for --ttl seconds, so sign and send need no password (POST /v1/wallets/{id}/unlock).",
        usage: "aitbc wallet unlock <wallet-id> [--ttl <s>] [--password-file <file> | --password-stdin]",
        discussion: """
            The time counts from now and is not extended by use; lock ends it early. A wrong password \
            and an unknown wallet get the same answer (exit 3); after five wrong passwords the daemon \
            refuses every attempt for a while (exit 1, 429).
            """)

    /// The wallet.
    @Argument(help: ArgumentHelp("The wallet's id.", valueName: "wallet-id"))
    public var walletID: String

    /// How long.
    @Option(name: .long, help: ArgumentHelp("Seconds to stay unlocked (default: the daemon's UNLOCK_TTL_SEC).", valueName: "s"))
    public var ttl: Int?

    /// The password source.
    @OptionGroup public var password: WalletPasswordOptions

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for a TTL below one second.
    public func validate() throws {
        if let ttl, ttl < 1 { throw ValidationError("--ttl must be at least 1 second") }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            let secret = try password.read()
            let state = try await session.call("wallet unlock") { () async throws(AITBCError) in
                try await session.client.unlock(walletID, password: secret, ttlSeconds: ttl)
            }
            WalletOutput.print(state.json, fields: WalletOutput.unlockFields, json: daemon.json)
            return .ok
        }
    }
}

/// `aitbc wallet lock`: zero the unlocked key now.
public struct WalletLockCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "lock", abstract: "Lock a wallet: the daemon zeroes its unlocked key now (POST /v1/wallets/{id}/lock).")

    /// The wallet.
    @Argument(help: ArgumentHelp("The wallet's id.", valueName: "wallet-id"))
    public var walletID: String

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            let state = try await session.call("wallet lock") { () async throws(AITBCError) in try await session.client.lock(walletID) }
            WalletOutput.print(state.json, fields: WalletOutput.unlockFields, json: daemon.json)
            return .ok
        }
    }
}
