public import ArgumentParser
import AITBCClient
import Foundation
import TerminalText
import WireModels

/// `aitbc wallet send`: a transfer signed by the daemon.
public struct WalletSendCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send AIT from a wallet account; the daemon signs and numbers it (POST /v1/wallets/{id}/send).",
        usage: "aitbc wallet send <wallet-id> --to <addr> --amount <n> [--fee <n>] [--memo <text>] [--account <account-id>] [--ask-password | --password-file <file> | --password-stdin]",
        discussion: """
            The wallet must be unlocked, or a password given. On the chain, --amount is whole base \
            units and the fee defaults to the node's estimate; the daemon gives concurrent sends \
            consecutive nonces. Offline (LEDGER=offline) the amount may have up to 18 decimals, a \
            --memo is kept and there is no fee. Prints the transaction (status pending until a \
            block includes it). A transfer refused (INSUFFICIENT_FUNDS, FEE_TOO_LOW, …) is exit 1; \
            the send is never repeated by this command.
            """)

    /// The wallet.
    @Argument(help: ArgumentHelp("The paying wallet's id.", valueName: "wallet-id"))
    public var walletID: String

    /// The recipient.
    @Option(name: .long, help: ArgumentHelp("The recipient's address (ait1…).", valueName: "addr"))
    public var to: String

    /// The amount.
    // Unconditional: `--amount -5` is a (refused) amount, not a missing value before an option `-5`.
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The amount: base units on the chain (a decimal string offline).", valueName: "n"))
    public var amount: String

    /// The fee.
    @Option(name: .long, help: ArgumentHelp("Fee in base units (default: the node's estimate; chain only).", valueName: "n"))
    public var fee: UInt64?

    /// A memo.
    @Option(name: .long, help: ArgumentHelp("A note kept with the transfer (offline ledger only).", valueName: "text"))
    public var memo: String?

    /// The paying account.
    @Option(name: .customLong("account"), help: ArgumentHelp("The paying account (default: the primary one).", valueName: "account-id"))
    public var accountID: String?

    /// The password, when the wallet is locked.
    @OptionGroup public var password: WalletOptionalPasswordOptions

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for a fee out of range.
    public func validate() throws {
        if let fee, fee > UInt64(Int64.max) { throw ValidationError("--fee must be at most \(Int64.max)") }
    }

    /// The address and amount checked before anything is sent: a malformed one is bad input
    /// (exit 2, as for `chain send`), not wrong usage.
    /// - Throws: `ServiceFailure` (exit 2).
    func checkInput() throws(ServiceFailure) {
        guard Address(to) != nil else { throw ServiceFailure(.usage, "--to \(UntrustedText.display(to)): \(Address.rule)") }
        guard Self.isDecimal(amount) else {
            throw ServiceFailure(.usage, "--amount \(UntrustedText.display(amount)): must be digits, optionally with a decimal point")
        }
    }

    /// `12` or `12.5`: what the daemon reads as an amount (it applies the exact rules).
    static func isDecimal(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 40 }) else { return false }
        return parts.allSatisfy { $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            try checkInput()
            let request = WalletSendRequest(to: to, amount: amount, fee: fee, accountID: accountID, password: try password.read(), memo: memo)
            let sent = try await session.call("wallet send") { () async throws(AITBCError) in try await session.client.send(walletID, request) }
            WalletOutput.print(sent.json, fields: WalletOutput.transferFields, json: daemon.json)
            WalletOutput.offlineNote(ledger: sent.ledger, json: daemon.json)
            return .ok
        }
    }
}

/// `aitbc wallet sign`: a message signature under the wallet's message domain.
public struct WalletSignCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a message with a wallet's key (POST /v1/wallets/{id}/sign).",
        usage: "aitbc wallet sign <wallet-id> (--message <text> | --message-file <file>|-) [--account <account-id>] [--ask-password | --password-file <file> | --password-stdin]",
        discussion: """
            The daemon signs the message domain's prefix followed by the message bytes, never the \
            bytes alone, so a message signature can never pass for a transaction or receipt \
            signature. The wallet must be unlocked, or a password given. Prints the base64 \
            signature, the public key that made it, and the domain.
            """)

    /// The wallet.
    @Argument(help: ArgumentHelp("The signing wallet's id.", valueName: "wallet-id"))
    public var walletID: String

    /// The message as text.
    @Option(name: .long, help: ArgumentHelp("The message: this text's UTF-8 bytes.", valueName: "text"))
    public var message: String?

    /// The message from a file.
    @Option(
        name: .customLong("message-file"),
        help: ArgumentHelp("The message: this file's bytes, or - for standard input (at most 48,000 bytes).", valueName: "file"))
    public var messageFile: String?

    /// The signing account.
    @Option(name: .customLong("account"), help: ArgumentHelp("The signing account (default: the primary one).", valueName: "account-id"))
    public var accountID: String?

    /// The password, when the wallet is locked.
    @OptionGroup public var password: WalletOptionalPasswordOptions

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Largest message read: base64 makes it 64,000 characters, which leaves room in the
    /// daemon's default 64 KiB body (`MAX_BODY_BYTES` 65,536) for the JSON around it, a
    /// password and an account id — 48 KiB itself would not fit.
    static let maxMessageBytes = 48_000

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) unless exactly one message source is given.
    public func validate() throws {
        guard (message == nil) != (messageFile == nil) else { throw ValidationError("give --message or --message-file, exactly one") }
        if messageFile == "-", password.source.passwordStdin {
            throw ValidationError("standard input can give the message or the password, not both")
        }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            let bytes = try messageBytes()
            let secret = try password.read()
            let signed = try await session.call("wallet sign") { () async throws(AITBCError) in
                try await session.client.sign(walletID, message: bytes, password: secret, accountID: accountID)
            }
            WalletOutput.print(signed.json, fields: ["wallet_id", "signature_base64", "public_key", "domain"], json: daemon.json)
            return .ok
        }
    }

    /// The message's bytes.
    /// - Throws: `ServiceFailure` (exit 2) for an unreadable or oversized file.
    func messageBytes() throws(ServiceFailure) -> [UInt8] {
        if let message { return Array(message.utf8) }
        let path = messageFile ?? "-"
        let data: Data
        do {
            if path == "-" {
                data = FileHandle.standardInput.readData(ofLength: Self.maxMessageBytes + 1)
            } else {
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
                defer { try? handle.close() }
                data = try handle.read(upToCount: Self.maxMessageBytes + 1) ?? Data()
            }
        } catch {
            throw ServiceFailure(.usage, "--message-file \(UntrustedText.display(path, limit: 256)): cannot read it")
        }
        guard data.count <= Self.maxMessageBytes else {
            throw ServiceFailure(.usage, "--message-file: the message is larger than \(Self.maxMessageBytes) bytes")
        }
        return Array(data)
    }
}
