import AITBCClient
public import ArgumentParser
import Foundation
import HTTPClient
import TerminalText

/// The options every `aitbc wallet` command takes: where the daemon is, its token, and whether
/// to print JSON for scripts.
public struct WalletDaemonOptions: ParsableArguments, Sendable {
    /// The variable that names the daemon.
    public static let urlVariable = "AITBC_WALLET_URL"
    /// The variable holding the daemon's `WALLET_TOKEN` (when `--token-file` is not given).
    public static let tokenVariable = "AITBC_WALLET_TOKEN"

    /// The daemon's base URL.
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Wallet daemon base URL (default: $\(WalletDaemonOptions.urlVariable), else \(WalletClientConfiguration.defaultURL)).",
            valueName: "url"))
    public var url: String?

    /// A file holding the daemon's token.
    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp(
            "File (mode 0600) holding the daemon's WALLET_TOKEN, sent as X-Auth-Token (default: $\(WalletDaemonOptions.tokenVariable)).",
            valueName: "file"))
    public var tokenFile: String?

    /// Machine-readable output.
    @Flag(name: .long, help: "Print the daemon's answer as one line of JSON (its wire encoding) instead of a table.")
    public var json = false

    /// Creates the options with default values (ArgumentParser fills them in).
    public init() {}

    /// The base URL: `--url`, else `AITBC_WALLET_URL`, else the default, checked as the other
    /// commands check theirs.
    /// - Throws: `ServiceFailure` (exit 2).
    func baseURL(environment: [String: String]) throws(ServiceFailure) -> String {
        let (text, source) =
            url.map { ($0, "--url") } ?? environment[Self.urlVariable].map { ($0, Self.urlVariable) }
            ?? (WalletClientConfiguration.defaultURL, "--url")
        return try ServiceOptions.checkedURL(text, source: source)
    }

    /// The token: the file's, else the variable's, else none.
    /// - Throws: `ServiceFailure` (exit 2) for a loose or unreadable file.
    func token(environment: [String: String]) throws(ServiceFailure) -> String? {
        if let tokenFile {
            let token = try WalletSecretInput.file(tokenFile, option: "--token-file")
            guard !token.isEmpty else { throw ServiceFailure(.usage, "--token-file: the file is empty") }
            return token
        }
        guard let token = environment[Self.tokenVariable], !token.isEmpty else { return nil }
        return token
    }
}

/// The wallet daemon as the `aitbc wallet` commands see it: the SDK's `WalletClient` for one
/// run, and every SDK failure turned into a `ServiceFailure` with docs/cli.md's exit status.
struct WalletSession: SDKSession {
    static let peer = SDKPeer(name: "the wallet daemon", api: "wallet API", credential: "the token")

    /// The client of this run.
    let client: WalletClient
    /// The URL as it may be shown.
    let shownURL: String

    /// A session for `options`; the URL and token are checked first (exit 2), and the token is
    /// kept out of everything printed.
    init(_ options: WalletDaemonOptions, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServiceFailure) {
        let url = try options.baseURL(environment: environment)
        let token = try options.token(environment: environment)
        if let token { CommandIO.redact(token) }
        shownURL = UntrustedText.displayURL(url)
        client = WalletClient(configuration: WalletClientConfiguration(baseURL: url, token: token))
    }

    /// Runs `body` with a session and closes its connections afterwards; exits with `body`'s
    /// status, or the status of the failure it threw, printing what went wrong.
    /// - Throws: `ExitCode` with the documented status.
    static func run(_ options: WalletDaemonOptions, _ body: (WalletSession) async throws(ServiceFailure) -> ServiceExit) async throws(ExitCode) {
        try await run({ () throws(ServiceFailure) in try WalletSession(options) }, body)
    }

    func close() async { await client.shutdown() }

    /// The exit status and sentence for an SDK error (whose `code` and `message` the SDK
    /// already escaped: daemon text never reaches the terminal raw).
    func failure(_ error: AITBCError, subject: String) -> ServiceFailure {
        if error.kind == .rejected, let status = error.status {
            if status == 401 && error.message == "unauthorized" {
                return ServiceFailure(.authentication, "\(shownURL) refused the token (X-Auth-Token): give --token-file or $\(WalletDaemonOptions.tokenVariable)")
            }
            if status == 401 || status == 403 { return ServiceFailure(.authentication, "\(subject): \(error)") }
            if status == 429 { return ServiceFailure(.rejected, "\(subject): \(error) (wait and try again)") }
            if status >= 500 { return ServiceFailure(.unreachable, "\(subject): \(shownURL) failed: \(error)") }
        }
        return serviceFailure(error, subject: subject)
    }
}
