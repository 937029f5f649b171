public import ArgumentParser

/// Where a wallet command reads the wallet's password: `--password-file FILE` (mode 0600),
/// `--password-stdin` (one line), or else a prompt on the terminal without echo. There is no
/// flag that takes the password itself.
public struct WalletPasswordOptions: ParsableArguments, Sendable {
    /// A file holding the password.
    @Option(
        name: .customLong("password-file"),
        help: ArgumentHelp("Read the password from this file (mode 0600; one trailing newline is dropped).", valueName: "file"))
    public var passwordFile: String?

    /// Read the password from standard input.
    @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
    public var passwordStdin = false

    /// Creates the options with default values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) when both sources are named.
    public func validate() throws {
        if passwordFile != nil, passwordStdin { throw ValidationError("--password-file and --password-stdin exclude each other") }
    }

    /// Whether a source was named (else the password is asked for on the terminal).
    var isGiven: Bool { passwordFile != nil || passwordStdin }

    /// The password from the named source, or from the terminal (asked twice when `confirm`).
    /// - Throws: `ServiceFailure` (exit 2): an unreadable or loose file, empty input, no
    ///   terminal, two different answers.
    func read(confirm: Bool = false, input: WalletSecretInput = .process) throws(ServiceFailure) -> String {
        if let passwordFile {
            let password = try WalletSecretInput.file(passwordFile, option: "--password-file")
            guard !password.isEmpty else { throw ServiceFailure(.usage, "--password-file: the file is empty") }
            return password
        }
        if passwordStdin {
            guard let password = try input.readStandardInputLine(), !password.isEmpty else {
                throw ServiceFailure(.usage, "--password-stdin: standard input holds no password")
            }
            return password
        }
        let password = try input.ask("Wallet password: ", else: "--password-file FILE or --password-stdin")
        guard !password.isEmpty else { throw ServiceFailure(.usage, "no password given") }
        if confirm {
            let again = try input.ask("Repeat the password: ", else: "--password-file FILE or --password-stdin")
            guard again == password else { throw ServiceFailure(.usage, "the two passwords differ; nothing was changed") }
        }
        return password
    }
}

/// The password options of commands that work without one on an unlocked wallet (`sign`,
/// `send`): a password is read only when a source is named or `--ask-password` is given.
public struct WalletOptionalPasswordOptions: ParsableArguments, Sendable {
    /// The sources.
    @OptionGroup public var source: WalletPasswordOptions

    /// Ask on the terminal.
    @Flag(name: .customLong("ask-password"), help: "Ask for the password on the terminal (else the unlocked key is used).")
    public var askPassword = false

    /// Creates the options with default values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) when `--ask-password` is combined with a source.
    public func validate() throws {
        if askPassword, source.isGiven { throw ValidationError("--ask-password excludes --password-file and --password-stdin") }
    }

    /// The password, or nil when none was asked for (the wallet must then be unlocked).
    /// - Throws: `ServiceFailure` (exit 2) as `WalletPasswordOptions.read`.
    func read(input: WalletSecretInput = .process) throws(ServiceFailure) -> String? {
        guard source.isGiven || askPassword else { return nil }
        return try source.read(input: input)
    }
}
