public import ArgumentParser
import Cryptography
public import Receipts

/// `aitbc receipt verify FILE --key-hex PUB…`: exit 0 when every signature verifies.
public struct ReceiptVerifyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a receipt's signature and attestations against trusted public keys.",
        discussion: """
            Every --key-hex key is trusted for the primary signature and for attestations; keys \
            named inside the receipt are never trusted by themselves. Prints one line per \
            signature with its result to stderr (valid, missing_signature, unsupported_alg, \
            malformed_signature, unknown_key, signature_mismatch, invalid_field:<name>). \
            Exit status: 0 all valid, 1 not verified, 2 unusable input.
            """)

    /// The receipt file.
    @Argument(help: ArgumentHelp("Receipt or vector file, or - for stdin.", valueName: "file"))
    public var file: String

    /// Trusted public keys.
    @Option(
        name: .customLong("key-hex"),
        help: ArgumentHelp("Trusted public key (64 hex characters); repeat for several.", valueName: "pub"))
    public var keyHex: [String] = []

    public init() {}

    /// The verification result for the input.
    /// - Throws: `CLIError` for unusable input or keys.
    public func verification() throws(CLIError) -> ReceiptVerification {
        guard !keyHex.isEmpty else { throw CLIError("at least one --key-hex trusted public key is required") }
        var keys: [Ed25519.PublicKey] = []
        for hex in keyHex {
            do {
                keys.append(try Ed25519.PublicKey(hex: hex))
            } catch {
                throw CLIError("--key-hex: expected a 32-byte public key as 64 hex characters")
            }
        }
        let receipt = try ReceiptInput.load(path: file)
        return ReceiptVerifier(trustedKeys: keys).verify(receipt)
    }

    /// The per-signature report lines.
    public static func reportLines(_ result: ReceiptVerification) -> [String] {
        var lines = ["signature key_id=\(result.signature.keyID ?? "-"): \(result.signature.status)"]
        for (index, check) in result.attestations.enumerated() {
            lines.append("attestation[\(index)] key_id=\(check.keyID ?? "-"): \(check.status)")
        }
        return lines
    }

    public func run() async throws {
        var result: ReceiptVerification?
        try CommandIO.reportingInputErrors { () throws(CLIError) in
            result = try verification()
        }
        guard let result else { throw CommandIO.unusableInput }
        for line in ReceiptVerifyCommand.reportLines(result) { CommandIO.printError(line) }
        guard result.isVerified else { throw CommandIO.verificationFailed }
    }
}
