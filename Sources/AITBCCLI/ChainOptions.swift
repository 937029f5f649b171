import AITBCClient
public import ArgumentParser
import Foundation

/// The options every `aitbc chain` command that talks to a node takes: where the node is and
/// whether to print JSON for scripts. The node's read and send routes need no key.
public struct ChainNodeOptions: ParsableArguments, Sendable {
    /// The variable that names the node.
    public static let urlVariable = "AITBC_CHAIN_URL"

    /// The node's base URL.
    @Option(
        name: .long,
        help: ArgumentHelp("Chain node base URL (default: $AITBC_CHAIN_URL, else \(ChainConfiguration.defaultURL)).", valueName: "url"))
    public var url: String?

    /// Machine-readable output.
    @Flag(name: .long, help: "Print the node's answer as one line of JSON (its wire encoding) instead of a table.")
    public var json = false

    /// Creates the options with default values (ArgumentParser fills them in).
    public init() {}

    /// The base URL: `--url`, else `AITBC_CHAIN_URL`, else the default; checked as the
    /// coordinator commands check theirs (plain `http://`, numeric host or `localhost`).
    /// - Throws: `ServiceFailure` (exit 2) naming what is wrong.
    /// - Parameter environment: the variables to read (default: the process's).
    public func baseURL(environment: [String: String]? = nil) throws(ServiceFailure) -> String {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let (text, source) =
            url.map { ($0, "--url") } ?? environment[Self.urlVariable].map { ($0, Self.urlVariable) } ?? (ChainConfiguration.defaultURL, "--url")
        return try ServiceOptions.checkedURL(text, source: source)
    }
}

/// What `chain send` and `chain claim` sign with: the key file and the chain id, and the fee.
public struct ChainSigningOptions: ParsableArguments, Sendable {
    /// The variable that names the chain.
    public static let chainIDVariable = "AITBC_CHAIN_ID"

    /// The signing key file.
    @Option(
        name: .customLong("key-file"),
        help: ArgumentHelp(
            "The account's key file (from aitbc chain keygen --output, or aitbc keygen --out; mode 0600).", valueName: "file"))
    public var keyFile: String

    /// The chain the transaction is signed for.
    @Option(
        name: .customLong("chain-id"),
        help: ArgumentHelp("Chain id signed into the transaction (default: $AITBC_CHAIN_ID, else \(ChainConfiguration.defaultChainID)).", valueName: "id"))
    public var chainID: String?

    /// The fee.
    @Option(name: .long, help: ArgumentHelp("Fee in base units (default: the node's estimate).", valueName: "n"))
    public var fee: UInt64?

    /// Creates the options with default values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for a fee the wire cannot carry.
    public func validate() throws {
        if let fee, fee > UInt64(Int64.max) { throw ValidationError("--fee must be at most \(Int64.max)") }
    }

    /// `--chain-id`, else `AITBC_CHAIN_ID`, else the devnet's.
    func resolvedChainID(environment: [String: String]? = nil) -> String {
        chainID ?? (environment ?? ProcessInfo.processInfo.environment)[Self.chainIDVariable] ?? ChainConfiguration.defaultChainID
    }
}

/// `--wait [--timeout S]` of `chain send` and `chain claim`.
public struct ChainWaitOptions: ParsableArguments, Sendable {
    /// What `--timeout` is when not given, in seconds.
    public static let defaultSeconds = 60

    /// Wait for inclusion.
    @Flag(name: .long, help: "Wait until the transaction is in a block, then print it; exit 1 if it is not by --timeout.")
    public var wait = false

    /// How long to wait.
    @Option(name: .long, help: ArgumentHelp("Seconds --wait waits for inclusion, at most.", valueName: "s"))
    public var timeout: Int = ChainWaitOptions.defaultSeconds

    /// Creates the options with default values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for a timeout below one second.
    public func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
    }
}
