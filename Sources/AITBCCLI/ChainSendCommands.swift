public import ArgumentParser
import AITBCClient
import JSON
import Receipts
import TerminalText
import WireModels

/// `aitbc chain send`: a transfer signed with a key file.
public struct ChainSendCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send AIT from the key file's account (POST /rpc/sendTx).",
        usage: "aitbc chain send --key-file <file> --to <addr> --amount <n> [--fee <n>] [--chain-id <id>] [--wait [--timeout <s>]] [--url <url>] [--json]",
        discussion: """
            Reads the account's next_nonce from the node, takes the node's fee estimate unless \
            --fee is given, signs the transfer here (the key never leaves this process) and sends \
            it. Prints the transaction hash, its status (pending) and the nonce and fee used; \
            --wait waits until it is in a block and prints the transaction (exit 1 if it is not \
            by --timeout). A transfer the node refuses (FEE_TOO_LOW, INSUFFICIENT_BALANCE, …) is exit 1.
            """)

    /// The recipient.
    @Option(name: .long, help: ArgumentHelp("The recipient's address (ait1…).", valueName: "addr"))
    public var to: String

    /// The amount.
    @Option(name: .long, help: ArgumentHelp("Base units to send.", valueName: "n"))
    public var amount: UInt64

    /// The key, chain and fee.
    @OptionGroup public var signing: ChainSigningOptions

    /// Waiting for inclusion.
    @OptionGroup public var waiting: ChainWaitOptions

    /// Where and how.
    @OptionGroup public var node: ChainNodeOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for an amount the wire cannot carry.
    public func validate() throws {
        guard amount <= UInt64(Int64.max) else { throw ValidationError("--amount must be at most \(Int64.max)") }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await ChainSession.run(node, chainID: signing.resolvedChainID()) { session throws(ServiceFailure) -> ServiceExit in
            let key = try ChainKeyFile.load(signing.keyFile)
            let recipient = try ChainSession.address(to, what: "--to")
            let subject = "chain send"
            let transaction = try await session.call(subject) { () async throws(AITBCError) in
                try await session.client.prepareTransaction(.transfer(to: recipient, amount: amount), key: key, fee: signing.fee)
            }
            let answer = try await session.call(subject) { () async throws(AITBCError) in try await session.client.send(transaction) }
            return try await ChainOutput.sent(transaction, answer, session: session, waiting: waiting, json: node.json, subject: subject)
        }
    }
}

/// `aitbc chain claim`: claims the AIT a coordinator receipt mints.
public struct ChainClaimCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Claim the AIT a signed coordinator receipt mints (RECEIPT_CLAIM, POST /rpc/sendTx).",
        usage: "aitbc chain claim --key-file <file> --receipt <file>|- [--fee <n>] [--chain-id <id>] [--wait [--timeout <s>]] [--url <url>] [--json]",
        discussion: """
            --receipt holds the receipt as the coordinator serves it, signature included (aitbc \
            receipt fetch JOB_ID --json), or a vector file; - reads stdin. The claim is signed and \
            its fee paid by the key file's account; the chain pays the work claim's payout address \
            (else the miner key's address), so anyone may send it. A receipt the chain refuses \
            (INVALID_RECEIPT, UNKNOWN_COORDINATOR_KEY, WORK_CLAIM_MISMATCH, RECEIPT_ALREADY_CLAIMED) is exit 1.
            """)

    /// The receipt file.
    @Option(name: .long, help: ArgumentHelp("The signed receipt: a file, or - for stdin.", valueName: "file"))
    public var receipt: String

    /// The key, chain and fee.
    @OptionGroup public var signing: ChainSigningOptions

    /// Waiting for inclusion.
    @OptionGroup public var waiting: ChainWaitOptions

    /// Where and how.
    @OptionGroup public var node: ChainNodeOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await ChainSession.run(node, chainID: signing.resolvedChainID()) { session throws(ServiceFailure) -> ServiceExit in
            let key = try ChainKeyFile.load(signing.keyFile)
            let document = try Self.signedReceipt(receipt)
            let subject = "chain claim"
            let transaction = try await session.call(subject) { () async throws(AITBCError) in
                try await session.client.prepareTransaction(.receiptClaim(receipt: document), key: key, fee: signing.fee)
            }
            let answer = try await session.call(subject) { () async throws(AITBCError) in try await session.client.send(transaction) }
            return try await ChainOutput.sent(transaction, answer, session: session, waiting: waiting, json: node.json, subject: subject)
        }
    }

    /// The receipt in `path` as one JSON object, signature included.
    /// - Throws: `ServiceFailure` (exit 2) naming `--receipt`.
    static func signedReceipt(_ path: String) throws(ServiceFailure) -> JSONValue {
        let receipt: Receipt
        do {
            receipt = try ReceiptInput.load(path: path)
        } catch {
            throw ServiceFailure(.usage, "--receipt \(error.message)")
        }
        guard receipt.signature != nil else {
            let source = path == "-" ? "stdin" : UntrustedText.display(path, limit: 256)
            throw ServiceFailure(.usage, "--receipt \(source): the receipt has no signature; only a coordinator-signed receipt mints")
        }
        return receipt.json
    }
}
