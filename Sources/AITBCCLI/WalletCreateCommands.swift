public import ArgumentParser
import AITBCClient
import Cryptography
import Foundation
import JSON
import TerminalText
import WireModels

/// `aitbc wallet create`: a new wallet in the daemon's keystore.
public struct WalletCreateCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a wallet: a new Ed25519 key, an imported one, or an HD wallet with a new mnemonic (POST /v1/wallets).",
        usage: "aitbc wallet create <wallet-id> [--hd [--words <n>] | --secret-key-file <file>] [--label <text>] [--password-file <file> | --password-stdin]",
        discussion: """
            The password is asked twice on the terminal unless --password-file or --password-stdin \
            names it; the daemon requires 12 or more characters with upper- and lower-case letters, a \
            digit and another character. --hd prints the new mnemonic once: write it down, the daemon \
            does not keep it. Prints the wallet's id, kind, public key and address.
            """)

    /// The new wallet's id.
    @Argument(help: ArgumentHelp("Lower-case letters, digits, - and _ (at most 64).", valueName: "wallet-id"))
    public var walletID: String

    /// An HD wallet.
    @Flag(name: .long, help: "An HD wallet (BIP-39 mnemonic, SLIP-10 accounts) instead of a single key.")
    public var hd = false

    /// Mnemonic length.
    @Option(name: .long, help: ArgumentHelp("Mnemonic words for --hd: 12, 15, 18, 21 or 24 (default 24).", valueName: "n"))
    public var words: Int?

    /// An existing key.
    @Option(
        name: .customLong("secret-key-file"),
        help: ArgumentHelp(
            "Import this 32-byte Ed25519 seed: standard base64, 64 hex digits, or an `aitbc chain keygen` / `aitbc keygen` key file (mode 0600).",
            valueName: "file"))
    public var secretKeyFile: String?

    /// A label.
    @Option(name: .long, help: ArgumentHelp("Stored as the wallet's metadata label.", valueName: "text"))
    public var label: String?

    /// The password source.
    @OptionGroup public var password: WalletPasswordOptions

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for contradicting options.
    public func validate() throws {
        if hd, secretKeyFile != nil { throw ValidationError("--hd makes a new key; --secret-key-file imports one: choose one") }
        if let words {
            guard hd else { throw ValidationError("--words needs --hd") }
            guard [12, 15, 18, 21, 24].contains(words) else { throw ValidationError("--words must be 12, 15, 18, 21 or 24") }
        }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            let secretKey = try secretKeyFile.map { path throws(ServiceFailure) in
                Self.secretKeyBase64(try WalletSecretInput.file(path, option: "--secret-key-file").trimmingWhitespace)
            }
            let request = WalletCreateRequest(
                walletID: walletID, password: try password.read(confirm: true), metadata: label.map { WalletMetadata(["label": $0]) },
                secretKey: secretKey, kind: hd ? "hd" : nil, mnemonicWords: words)
            let created = try await session.call("wallet create") { () async throws(AITBCError) in try await session.client.create(request) }
            WalletOutput.created(created, json: daemon.json)
            return .ok
        }
    }
}

extension WalletCreateCommand {
    /// The seed as the daemon's `secret_key` (standard base64): a key file of `aitbc chain
    /// keygen` (`private_key`) or `aitbc keygen` (`private_key_hex`), or 64 hex digits, is
    /// converted; anything else is sent as written (base64) for the daemon to judge.
    static func secretKeyBase64(_ text: String) -> String {
        var hex = text
        if text.hasPrefix("{"), let json = try? JSONParser(limits: .init(maxInputBytes: 16 * 1_024, maxDepth: 4)).parse(Array(text.utf8)),
            let seed = json["private_key"]?.stringValue ?? json["private_key_hex"]?.stringValue
        {
            hex = seed
        }
        guard hex.utf8.count == 64, let bytes = try? Hex.decode(hex) else { return text }
        return Data(bytes).base64EncodedString()
    }
}

/// `aitbc wallet restore`: an HD wallet from its mnemonic.
public struct WalletRestoreCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore an HD wallet from its BIP-39 mnemonic (POST /v1/wallets/import-mnemonic).",
        usage: "aitbc wallet restore <wallet-id> [--mnemonic-file <file> | --mnemonic-stdin] [--passphrase-file <file> | --ask-passphrase] [--password-file <file> | --password-stdin]",
        discussion: """
            The mnemonic (English words) comes from --mnemonic-file (mode 0600), --mnemonic-stdin or a \
            prompt without echo; the optional BIP-39 passphrase from --passphrase-file or \
            --ask-passphrase. The daemon checks every word and the checksum (exit 1 if either is wrong) \
            and never stores the mnemonic or the passphrase. Standard input can feed only one of the \
            mnemonic and the password.
            """)

    /// The wallet's id.
    @Argument(help: ArgumentHelp("Lower-case letters, digits, - and _ (at most 64).", valueName: "wallet-id"))
    public var walletID: String

    /// A file holding the mnemonic.
    @Option(name: .customLong("mnemonic-file"), help: ArgumentHelp("Read the mnemonic from this file (mode 0600).", valueName: "file"))
    public var mnemonicFile: String?

    /// Read the mnemonic from standard input.
    @Flag(name: .customLong("mnemonic-stdin"), help: "Read the mnemonic from the first line of standard input.")
    public var mnemonicStdin = false

    /// A file holding the passphrase.
    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp("Read the BIP-39 passphrase from this file (mode 0600).", valueName: "file"))
    public var passphraseFile: String?

    /// Ask for the passphrase.
    @Flag(name: .customLong("ask-passphrase"), help: "Ask for the BIP-39 passphrase on the terminal.")
    public var askPassphrase = false

    /// The password source.
    @OptionGroup public var password: WalletPasswordOptions

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for contradicting sources.
    public func validate() throws {
        if mnemonicFile != nil, mnemonicStdin { throw ValidationError("--mnemonic-file and --mnemonic-stdin exclude each other") }
        if passphraseFile != nil, askPassphrase { throw ValidationError("--passphrase-file and --ask-passphrase exclude each other") }
        if mnemonicStdin, password.passwordStdin { throw ValidationError("standard input can give the mnemonic or the password, not both") }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            let request = try self.request(input: .process)
            let created = try await session.call("wallet restore") { () async throws(AITBCError) in
                try await session.client.importMnemonic(request)
            }
            WalletOutput.created(created, json: daemon.json)
            return .ok
        }
    }

    /// The request, its secrets read from their sources.
    /// - Throws: `ServiceFailure` (exit 2).
    func request(input: WalletSecretInput) throws(ServiceFailure) -> WalletImportMnemonicRequest {
        let mnemonic: String
        if let mnemonicFile {
            mnemonic = try WalletSecretInput.file(mnemonicFile, option: "--mnemonic-file")
        } else if mnemonicStdin {
            mnemonic = try input.readStandardInputLine() ?? ""
        } else {
            mnemonic = try input.ask("Mnemonic (the words, separated by spaces): ", else: "--mnemonic-file FILE or --mnemonic-stdin")
        }
        let words = mnemonic.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard !words.isEmpty else { throw ServiceFailure(.usage, "no mnemonic given") }
        var passphrase: String?
        if let passphraseFile {
            passphrase = try WalletSecretInput.file(passphraseFile, option: "--passphrase-file")
        } else if askPassphrase {
            passphrase = try input.ask("BIP-39 passphrase: ", else: "--passphrase-file FILE")
        }
        return WalletImportMnemonicRequest(
            walletID: walletID, password: try password.read(confirm: true, input: input), mnemonic: words, passphrase: passphrase)
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
