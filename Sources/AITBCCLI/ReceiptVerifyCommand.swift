public import ArgumentParser
public import Cryptography
import JSON
public import Receipts
import ServiceRuntime
import TerminalText

/// `aitbc receipt verify FILE (--key-hex PUB… | --keys-url URL)`: checks every signature in the
/// receipt — the coordinator's, each attestation and the miner's work claim — and exits 0 only
/// when all of them are valid.
public struct ReceiptVerifyCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify every signature of a receipt: coordinator, attestations and the miner's work claim.",
        usage: "aitbc receipt verify <file> (--key-hex <pub> ... | --keys-url <url>) [--miner-key-hex <pub> ...] [--json]",
        discussion: """
            At least one trusted key is required: --key-hex (repeatable) and/or --keys-url. --key-hex \
            keys verify the primary signature and every attestation; of the Ed25519 keys at \
            --keys-url (GET /v1/keys of a coordinator), those with "use":"receipt-signing" verify \
            the primary signature and those with "use":"receipt-attestation" the attestations. \
            --keys-url is plain HTTP: use it on loopback or a trusted network only, elsewhere \
            --key-hex with a key obtained out of band. A key named inside the receipt is never \
            trusted by itself. The miner's work claim (metadata.work_claim with \
            metadata.miner_signature) is verified against the key its key_id names, or only against \
            --miner-key-hex keys when given, and must match the receipt (job_id, provider, and the \
            result hash when the result is inline). One line per signature goes to stderr \
            (--json: one JSON object on stdout). Status: valid, missing_signature, unsupported_alg, \
            malformed_signature, unknown_key, signature_mismatch, invalid_field:<name>, \
            claim_mismatch:<name>. Exit status: 0 all valid, 1 not verified, 2 unusable input \
            (file, JSON, key, key URL), 64 usage.
            """)

    /// The receipt file.
    @Argument(help: ArgumentHelp("Receipt or vector file, or - for stdin.", valueName: "file"))
    public var file: String

    /// The keys it trusts.
    @OptionGroup public var keys: TrustedKeyOptions

    /// Machine-readable output.
    @Flag(name: .long, help: "Print the result as one JSON object on stdout instead of lines on stderr.")
    public var json = false

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) when no trusted key source is given.
    public func validate() throws {
        guard !keys.isEmpty else {
            throw ValidationError("at least one trusted key is required: --key-hex <pub> (repeatable) or --keys-url <url>")
        }
    }

    /// The report for the input: the primary signature against the `--key-hex` keys and
    /// `signingKeys`, attestations against the `--key-hex` keys and `attestationKeys`.
    /// - Throws: `CLIError` for unusable input or keys.
    public func report(signingKeys: [Ed25519.PublicKey] = [], attestationKeys: [Ed25519.PublicKey] = []) throws(CLIError)
        -> ReceiptReport
    {
        let given = try TrustedKeyOptions.publicKeys(keys.keyHex, option: "--key-hex")
        let minerKeys = try TrustedKeyOptions.publicKeys(keys.minerKeyHex, option: "--miner-key-hex")
        let receipt = try ReceiptInput.load(path: file)
        return ReceiptReport.make(
            receipt, trustedKeys: given + signingKeys, attestationKeys: given + attestationKeys,
            minerKeys: minerKeys.isEmpty ? nil : minerKeys)
    }

    /// The primary signature and attestations only (as before the work claim was checked).
    /// - Throws: `CLIError` for unusable input or keys.
    public func verification() throws(CLIError) -> ReceiptVerification {
        guard !keys.keyHex.isEmpty else { throw CLIError("at least one --key-hex trusted public key is required") }
        let receipt = try ReceiptInput.load(path: file)
        return ReceiptVerifier(trustedKeys: try TrustedKeyOptions.publicKeys(keys.keyHex, option: "--key-hex")).verify(receipt)
    }

    /// The per-signature report lines of a `ReceiptVerification`.
    public static func reportLines(_ result: ReceiptVerification) -> [String] {
        func shown(_ keyID: String?) -> String { keyID.map { UntrustedText.display($0) } ?? "-" }
        var lines = ["signature key_id=\(shown(result.signature.keyID)): \(result.signature.status)"]
        for (index, check) in result.attestations.enumerated() {
            lines.append("attestation[\(index)] key_id=\(shown(check.keyID)): \(check.status)")
        }
        return lines
    }

    /// Runs the command; input problems exit with status 2.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        var fetched = KeysURL.Keys()
        if let keysURL = keys.keysURL {
            do {
                fetched = try await KeysURL.fetch(keysURL)
            } catch {
                CommandIO.printError("error: \(error.message)")
                throw CommandIO.unusableInput
            }
        }
        var result: ReceiptReport?
        try CommandIO.reportingInputErrors { () throws(CLIError) in
            result = try report(signingKeys: fetched.signing, attestationKeys: fetched.attestation)
        }
        guard let result else { throw CommandIO.unusableInput }
        if json {
            CommandIO.printOut((try? JSONSerializer().string(result.json)) ?? "{}")
        } else {
            for line in result.lines { CommandIO.printError(line) }
        }
        guard result.isVerified else { throw CommandIO.verificationFailed }
    }
}
