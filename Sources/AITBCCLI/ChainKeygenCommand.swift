public import ArgumentParser
import Cryptography

/// `aitbc chain keygen`: a new account key.
public struct ChainKeygenCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate an account key: {\"private_key\",\"public_key\",\"address\"}.",
        discussion: """
            Prints the key as one line of JSON (private_key is the 32-byte Ed25519 seed). With \
            --output FILE the JSON is written to FILE with mode 0600 (the --key-file of chain send \
            and chain claim) and stdout gets only public_key and address, so the secret lands in \
            the protected file alone. An existing FILE is never overwritten unless --force is given.
            """)

    /// Where to write the key file.
    @Option(name: .long, help: ArgumentHelp("Write the key JSON to this file (mode 0600).", valueName: "file"))
    public var output: String?

    /// Replace an existing key file.
    @Flag(name: .long, help: "Overwrite FILE if it already exists.")
    public var force = false

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command; input problems (an existing FILE) exit with status 2.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try CommandIO.reportingInputErrors { () throws(CLIError) in
            let key = Ed25519.PrivateKey.generate()
            let full = ChainKeyFile.json(for: key, includingSecret: true)
            if let output {
                try KeygenCommand.writeKeyFile(full + "\n", to: output, force: force)
                CommandIO.printOut(ChainKeyFile.json(for: key, includingSecret: false))
            } else {
                CommandIO.printOut(full)
            }
        }
    }
}
