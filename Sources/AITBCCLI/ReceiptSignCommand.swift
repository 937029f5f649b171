public import ArgumentParser
import Cryptography
import JSON
import Receipts

/// `aitbc receipt sign FILE --key-hex SEED`: the signed receipt as one line of JSON.
public struct ReceiptSignCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a receipt with an Ed25519 seed; print the signed receipt as one line of JSON.",
        discussion: """
            Output: the receipt members in their input order, then signature, then attestations \
            (one per --attest-key-hex, in order). Signatures and attestations already in the input \
            are replaced. A receipt that breaks the field rules of spec/receipts.md §2 is refused \
            (exit status 2).
            """)

    /// The receipt file.
    @Argument(help: ArgumentHelp("Receipt or vector file, or - for stdin.", valueName: "file"))
    public var file: String

    /// The signing seed.
    @Option(name: .customLong("key-hex"), help: ArgumentHelp("Signing key: 32-byte seed as 64 hex characters.", valueName: "seed"))
    public var keyHex: String

    /// Attestation seeds.
    @Option(
        name: .customLong("attest-key-hex"),
        help: ArgumentHelp("Attestation key seed (64 hex characters); repeat for several.", valueName: "seed"))
    public var attestKeyHex: [String] = []

    public init() {}

    /// The signed receipt as one line of compact JSON.
    /// - Throws: `CLIError` for unusable input, a bad key or a receipt that breaks the rules.
    public func signedText() throws(CLIError) -> String {
        let key = try ReceiptSignCommand.privateKey(keyHex, option: "--key-hex")
        var attestationKeys: [Ed25519.PrivateKey] = []
        for seed in attestKeyHex { attestationKeys.append(try ReceiptSignCommand.privateKey(seed, option: "--attest-key-hex")) }
        let receipt = try ReceiptInput.load(path: file)
        do {
            let signed = try ReceiptSigner(key: key, attestationKeys: attestationKeys).sign(receipt)
            return try JSONSerializer().string(signed.json)
        } catch let error as ReceiptError {
            throw CLIError("\(file): refusing to sign: \(error)")
        } catch {
            throw CLIError("\(file): \(error)")
        }
    }

    static func privateKey(_ hex: String, option: String) throws(CLIError) -> Ed25519.PrivateKey {
        do {
            return try Ed25519.PrivateKey(seedHex: hex)
        } catch {
            throw CLIError("\(option): expected a 32-byte seed as 64 hex characters")
        }
    }

    public func run() async throws {
        try CommandIO.reportingInputErrors { () throws(CLIError) in
            CommandIO.printOut(try signedText())
        }
    }
}
