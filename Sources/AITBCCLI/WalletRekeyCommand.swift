public import ArgumentParser
import Foundation
import TerminalText
import WalletCore

/// `aitbc wallet rekey`: re-encrypts a keystore file under stronger Argon2id parameters (or a
/// new password), on the keystore directory itself.
public struct WalletRekeyCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Re-encrypt a wallet's keystore file under new Argon2id parameters or a new password (offline, on the keystore directory).",
        usage: "aitbc wallet rekey <wallet-id> [--keystore-dir <dir>] [--time <t>] [--memory-mb <m>] [--parallelism <p>] [--change-password [--new-password-file <file>]] [--password-file <file> | --password-stdin]",
        discussion: """
            Works on the files, not through the daemon: run it as the daemon's user on the daemon's \
            KEYSTORE_DIR (--keystore-dir, else $KEYSTORE_DIR, else ./data/keystore). The parameters \
            default to $ARGON_TIME, $ARGON_MEMORY_MB and $ARGON_PARALLELISM (read from the shell's \
            environment only), else the file's own or the daemon's defaults 3, 64 and 2, whichever is \
            higher; weaker ones than the file has are refused unless --allow-weaker. The \
            file is replaced atomically (temporary file, fsync, rename), with fresh salt and nonce; \
            the wallet id, key, creation time and metadata stay. A wallet the daemon holds unlocked \
            stays unlocked. Exit 3 for a wrong password, 1 for an unknown wallet or a refused \
            parameter, 2 for unusable input.
            """)

    /// The wallet.
    @Argument(help: ArgumentHelp("The wallet's id.", valueName: "wallet-id"))
    public var walletID: String

    /// The keystore directory.
    @Option(name: .customLong("keystore-dir"), help: ArgumentHelp("The daemon's keystore directory (default: $KEYSTORE_DIR, else ./data/keystore).", valueName: "dir"))
    public var keystoreDirectory: String?

    /// Argon2id passes.
    @Option(name: .long, help: ArgumentHelp("Argon2id passes t, 1–10 (default: $ARGON_TIME, else 3).", valueName: "t"))
    public var time: UInt32?

    /// Argon2id memory.
    @Option(name: .customLong("memory-mb"), help: ArgumentHelp("Argon2id memory in MiB, 8–4096 (default: $ARGON_MEMORY_MB, else 64).", valueName: "m"))
    public var memoryMB: UInt32?

    /// Argon2id lanes.
    @Option(name: .long, help: ArgumentHelp("Argon2id parallelism, 1–16 (default: $ARGON_PARALLELISM, else 2).", valueName: "p"))
    public var parallelism: UInt32?

    /// Change the password too.
    @Flag(name: .customLong("change-password"), help: "Also change the password (the new one is asked twice, or read from --new-password-file).")
    public var changePassword = false

    /// A file holding the new password.
    @Option(name: .customLong("new-password-file"), help: ArgumentHelp("Read the new password from this file (mode 0600).", valueName: "file"))
    public var newPasswordFile: String?

    /// Permit weaker parameters.
    @Flag(name: .customLong("allow-weaker"), help: "Accept parameters below the file's current ones.")
    public var allowWeaker = false

    /// The current password's source.
    @OptionGroup public var password: WalletPasswordOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for a new-password file without `--change-password`.
    public func validate() throws {
        if newPasswordFile != nil, !changePassword { throw ValidationError("--new-password-file needs --change-password") }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await CommandIO.reportingServiceFailures { () throws(ServiceFailure) -> ServiceExit in
            try rekey(environment: ProcessInfo.processInfo.environment, input: .process)
        }
    }

    /// Loads, re-encrypts and replaces the record; prints what changed.
    /// - Throws: `ServiceFailure` with the documented status.
    func rekey(environment: [String: String], input: WalletSecretInput) throws(ServiceFailure) -> ServiceExit {
        guard let id = WalletID(walletID) else {
            throw ServiceFailure(.usage, "wallet id \(UntrustedText.display(walletID)): lower-case letters, digits, - and _, at most 64")
        }
        let directoryPath = keystoreDirectory ?? environment["KEYSTORE_DIR"] ?? "./data/keystore"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directoryPath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ServiceFailure(.usage, "--keystore-dir \(UntrustedText.display(directoryPath, limit: 256)): no such directory")
        }
        let directory: KeystoreDirectory
        let record: KeystoreRecord
        do {
            directory = try KeystoreDirectory(path: directoryPath)
            record = try directory.load(id)
        } catch {
            throw Self.failure(error)
        }
        let old = record.kdf
        let parameters = try self.parameters(environment: environment, current: old)
        if !allowWeaker,
            parameters.iterations < old.iterations || parameters.memoryKiB < old.memoryKiB || parameters.parallelism < old.parallelism
        {
            throw ServiceFailure(.rejected, "\(parameters) is weaker than the file's \(old); add --allow-weaker to accept that")
        }
        let current = try Self.password(try password.read(input: input), creating: false)
        var replacement: WalletPassword?
        if changePassword {
            let text: String
            if let newPasswordFile {
                text = try WalletSecretInput.file(newPasswordFile, option: "--new-password-file")
            } else {
                text = try input.ask("New wallet password: ", else: "--new-password-file FILE")
                guard try input.ask("Repeat the new password: ", else: "--new-password-file FILE") == text else {
                    throw ServiceFailure(.usage, "the two new passwords differ; nothing was changed")
                }
            }
            replacement = try Self.password(text, creating: true)
        }
        do {
            let rekeyed = try KeystoreCipher.rekey(record, password: current, newPassword: replacement, parameters: parameters)
            try directory.replace(rekeyed)
        } catch {
            throw Self.failure(error)
        }
        let lines = TextTable.fields([
            ("wallet_id", id.rawValue), ("file", directory.filePath(id)), ("kdf_before", old.description), ("kdf_after", parameters.description),
            ("password", replacement == nil ? "unchanged" : "changed"),
        ])
        for line in lines { CommandIO.printOut(line) }
        return .ok
    }

    /// The parameters from the flags, else the daemon's variables, else the higher of the
    /// file's `current` ones and the daemon's defaults: a rekey that names no parameter (say,
    /// `--change-password` alone) never lowers what an earlier rekey raised.
    /// - Throws: `ServiceFailure` (exit 2) for values outside the readers' bounds.
    func parameters(environment: [String: String], current: KeystoreRecord.KDFParameters) throws(ServiceFailure) -> KeystoreRecord.KDFParameters {
        func value(_ flag: UInt32?, _ variable: String, _ fallback: UInt32) throws(ServiceFailure) -> UInt32 {
            if let flag { return flag }
            guard let text = environment[variable] else { return fallback }
            guard let parsed = UInt32(text) else { throw ServiceFailure(.usage, "\(variable)=\(UntrustedText.display(text)): not a number") }
            return parsed
        }
        let iterations = try value(time, "ARGON_TIME", max(current.iterations, 3))
        let memory = try value(memoryMB, "ARGON_MEMORY_MB", max(current.memoryKiB / 1_024, 64))
        let lanes = try value(parallelism, "ARGON_PARALLELISM", max(current.parallelism, 2))
        let (memoryKiB, overflow) = memory.multipliedReportingOverflow(by: 1_024)
        guard !overflow else { throw ServiceFailure(.usage, "Argon2id parameters: \(memory) MiB is too much") }
        do {
            return try KeystoreRecord.KDFParameters(iterations: iterations, memoryKiB: memoryKiB, parallelism: lanes)
        } catch {
            throw ServiceFailure(.usage, "Argon2id parameters: \(error)")
        }
    }

    /// `text` as a wallet password: the creation rules for a new one.
    /// - Throws: `ServiceFailure` (exit 2) naming the rule broken.
    static func password(_ text: String, creating: Bool) throws(ServiceFailure) -> WalletPassword {
        do {
            return creating ? try WalletPassword(creating: text) : try WalletPassword(text)
        } catch {
            throw ServiceFailure(.usage, "\(creating ? "new password" : "password"): \(error)")
        }
    }

    /// The exit status and sentence for a keystore error (which never holds secret material).
    static func failure(_ error: WalletCoreError) -> ServiceFailure {
        switch error {
        case .invalidCredentials: ServiceFailure(.authentication, "invalid credentials: the password does not open this wallet")
        case .walletNotFound: ServiceFailure(.rejected, "\(error)")
        case .insecurePermissions, .io: ServiceFailure(.usage, "\(error)")
        default: ServiceFailure(.rejected, "\(error)")
        }
    }
}
