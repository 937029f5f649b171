public import ArgumentParser
import Cryptography

/// The keys a receipt is verified against (`receipt verify`, `receipt fetch --verify`): the
/// same options and the same trust rules for both (docs/cli.md "aitbc receipt verify").
public struct TrustedKeyOptions: ParsableArguments, Sendable {
    /// Trusted public keys.
    @Option(
        name: .customLong("key-hex"),
        help: ArgumentHelp("Trusted coordinator/attestation public key (64 hex characters); repeatable.", valueName: "pub"))
    public var keyHex: [String] = []

    /// Where to fetch trusted keys.
    @Option(
        name: .customLong("keys-url"),
        help: ArgumentHelp(
            "Trust the Ed25519 keys of a coordinator: its base URL (http://host:8011 or …/v1) or the full …/v1/keys URL.",
            valueName: "url"))
    public var keysURL: String?

    /// Pinned miner keys for the work claim.
    @Option(
        name: .customLong("miner-key-hex"),
        help: ArgumentHelp("Accept the work claim only from this miner public key (64 hex); repeatable.", valueName: "pub"))
    public var minerKeyHex: [String] = []

    /// Creates the options with default values (ArgumentParser fills them in).
    public init() {}

    /// Whether any trusted key source is given.
    public var isEmpty: Bool { keyHex.isEmpty && keysURL == nil }

    /// The keys to verify with: `--key-hex` keys for everything, `--keys-url` keys by their `use`.
    struct Resolved {
        /// Keys for the coordinator's signature.
        var signing: [Ed25519.PublicKey]
        /// Keys for the attestations.
        var attestation: [Ed25519.PublicKey]
        /// Pinned miner keys; nil trusts the key the work claim names.
        var miner: [Ed25519.PublicKey]?
    }

    /// The pinned keys, `--keys-url` fetched.
    /// - Throws: `CLIError` for a key that is not 64 hex or a key URL that gives no key list.
    func resolve() async throws(CLIError) -> Resolved {
        let given = try Self.publicKeys(keyHex, option: "--key-hex")
        let miner = try Self.publicKeys(minerKeyHex, option: "--miner-key-hex")
        var fetched = KeysURL.Keys()
        if let keysURL { fetched = try await KeysURL.fetch(keysURL) }
        return Resolved(signing: given + fetched.signing, attestation: given + fetched.attestation, miner: miner.isEmpty ? nil : miner)
    }

    /// Public keys given as hex on the command line.
    /// - Throws: `CLIError` for a key that is not 64 hex characters.
    static func publicKeys(_ hexes: [String], option: String) throws(CLIError) -> [Ed25519.PublicKey] {
        var keys: [Ed25519.PublicKey] = []
        for hex in hexes {
            do {
                keys.append(try Ed25519.PublicKey(hex: hex))
            } catch {
                throw CLIError("\(option): expected a 32-byte public key as 64 hex characters")
            }
        }
        return keys
    }
}

/// `--timeout S` of the commands that wait for a job to end.
public struct TimeoutOption: ParsableArguments, Sendable {
    /// What `--timeout` is when not given, in seconds.
    public static let defaultSeconds = 300

    /// How long to wait.
    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the job to end, at most.", valueName: "s"))
    public var timeout: Int = TimeoutOption.defaultSeconds

    /// Creates the option with its default value (ArgumentParser fills it in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for a timeout below one second.
    public func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
    }
}

/// `--limit N --cursor C` of the admin listings.
public struct PageOptions: ParsableArguments, Sendable {
    /// Page size.
    @Option(name: .long, help: ArgumentHelp("Items per page (1...500; default: the coordinator's, 100).", valueName: "n"))
    public var limit: Int?

    /// Where the page starts.
    @Option(name: .long, help: ArgumentHelp("The next_cursor of the previous page.", valueName: "cursor"))
    public var cursor: String?

    /// Creates the options with default values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for a limit outside 1...500.
    public func validate() throws {
        if let limit, !(1...500).contains(limit) { throw ValidationError("--limit must be in 1...500") }
    }
}
